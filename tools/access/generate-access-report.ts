import { renderAccessMatrix } from './access-matrix.js';
import {
  accessModel,
  describeDenial,
  type EvaluatedCall,
  type EvaluatedEdge,
  evaluateDeclaredEdges,
  evaluateRecordedCalls,
} from './access-proof.js';
import { recordCodeEdges, type ScenarioPostgres, type ScenarioRun } from './code-edges.js';
import { PROOF_STAGE } from './proof-stage.js';

export const PROOF_STAGE_DESCRIPTION = 'the proof stage (`tools/access/proof-stage.ts`: the example stage and a second database)';

export interface AccessReport {
  readonly matrix: string;
  readonly runs: readonly ScenarioRun[];
  readonly calls: readonly EvaluatedCall[];
  readonly edges: readonly EvaluatedEdge[];
  /** Every refused code call and every edge that came out the wrong way, one sentence each. */
  readonly failures: readonly string[];
}

/** The whole proof: synthesize, record the code's calls against the emulator, decide everything, render the matrix. */
export async function generateAccessReport(options: {
  readonly motoEndpoint: string;
  readonly postgres: ScenarioPostgres;
}): Promise<AccessReport> {
  const { model, engine } = accessModel(PROOF_STAGE);
  const recorded = await recordCodeEdges({
    model,
    appName: PROOF_STAGE.appName,
    motoEndpoint: options.motoEndpoint,
    postgres: options.postgres,
  });
  const calls = await evaluateRecordedCalls(engine, recorded);
  const edges = await evaluateDeclaredEdges(engine, PROOF_STAGE);
  const failures = [
    ...calls.filter((c) => !c.ok).map((c) => describeDenial(c, model)),
    ...edges
      .filter((e) => !e.ok)
      .map(
        (e) =>
          `${e.edge.group}: ${e.edge.principalLabel} ${e.edge.action} on ${e.edge.resource} must be ${e.edge.expect === 'allow' ? 'allowed' : 'denied'} (${e.edge.why}) but is ${e.decision.result}${e.decision.deciding.length > 0 ? ` by ${e.decision.deciding.join(', ')}` : ''}`,
      ),
  ];
  return {
    matrix: renderAccessMatrix({ model, stageDescription: PROOF_STAGE_DESCRIPTION, calls, edges }),
    runs: recorded.runs,
    calls,
    edges,
    failures,
  };
}
