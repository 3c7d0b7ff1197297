import type { PolicyDocument } from './policy-document.js';

/**
 * The documents of the AWS managed policies our templates attach, as AWS publishes them (IAM console,
 * "Policy versions"). A template that attaches one not listed here fails the model with its ARN, so a
 * new managed policy never slips into the proof unevaluated.
 */
export const AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
  },
};
