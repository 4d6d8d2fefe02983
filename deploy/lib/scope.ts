import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../environments';

/**
 * What every part of the stack is built with. The parts add their resources to the stack
 * itself, not to a child construct: a construct's path is its CloudFormation logical id, and a
 * new level in the path would give every table, queue and secret a new id, which CloudFormation
 * deploys as "replace" (a new, empty table). Splitting the file must not move a resource.
 */
export interface StackScope {
  stack: Stack;
  cfg: EnvironmentConfig;
  /** RETAIN in environments with `retainData`, else DESTROY. */
  removal: RemovalPolicy;
}

export function stackScope(stack: Stack, cfg: EnvironmentConfig): StackScope {
  return { stack, cfg, removal: cfg.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY };
}
