/**
 * The lifecycle loop every model of a platform runs, on either target:
 *
 *     capture → drift → retrain → gate → register → approval → canary deploy → auto-rollback
 *
 * Each platform model reports, link by link, what implements it on its target (`loop()`), the
 * runbooks print it, and README's loop table is rendered from the example platform on both targets.
 */

/** A link of the lifecycle loop. */
export enum LoopLink {
  /** The served requests and responses are sampled and stored. */
  CAPTURE = 'CAPTURE',
  /** The stored traffic is compared with a baseline (PSI per feature) on a schedule. */
  DRIFT = 'DRIFT',
  /** Sustained drift starts a training run. */
  RETRAIN = 'RETRAIN',
  /** The evaluation decides whether the new version may be registered. */
  GATE = 'GATE',
  /** The version is registered with its lineage, waiting for approval. */
  REGISTER = 'REGISTER',
  /** A human approves a version; the approval changes what is served. */
  APPROVAL = 'APPROVAL',
  /** The approved version takes part of the traffic first, then all of it. */
  CANARY_DEPLOY = 'CANARY_DEPLOY',
  /** The rollback triggers, defined before the deployment, undo a bad one. */
  AUTO_ROLLBACK = 'AUTO_ROLLBACK',
}

/** One link of a model's loop as its target implements it. */
export interface LoopStage {
  /** Which link. */
  readonly link: LoopLink;
  /**
   * Whether the platform renders this link. False means the link is left to the user (the
   * `implementation` says what to do).
   */
  readonly rendered: boolean;
  /** What implements it on this target, in one sentence. */
  readonly implementation: string;
  /**
   * The resources doing it: construct paths relative to the platform (AWS), or
   * `Kind namespace/name` (Kubernetes).
   */
  readonly resources: string[];
}

/** The links in the order the loop runs them, with their names as the README and runbooks print them. */
export const LOOP_LINKS: ReadonlyArray<{ readonly link: LoopLink; readonly name: string }> = [
  { link: LoopLink.CAPTURE, name: 'capture' },
  { link: LoopLink.DRIFT, name: 'drift' },
  { link: LoopLink.RETRAIN, name: 'retrain' },
  { link: LoopLink.GATE, name: 'gate' },
  { link: LoopLink.REGISTER, name: 'register' },
  { link: LoopLink.APPROVAL, name: 'approval' },
  { link: LoopLink.CANARY_DEPLOY, name: 'canary deploy' },
  { link: LoopLink.AUTO_ROLLBACK, name: 'auto-rollback' },
];

/** The printed name of a link ("canary deploy"). */
export function loopLinkName(link: LoopLink): string {
  return LOOP_LINKS.find((l) => l.link === link)!.name;
}
