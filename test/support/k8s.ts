import { Chart, Testing } from 'cdk8s';
import { ManifestValidator } from '../../scripts/manifest-schema';

let validator: ManifestValidator | undefined;

/** The shared offline validator (Kubernetes 1.28 strict + CRDs in schemas/). */
export function manifestValidator(): ManifestValidator {
  validator ??= ManifestValidator.load();
  return validator;
}

/** Synthesize a chart and fail on any object that does not validate against its schema. */
export function synthValid(chart: Chart): any[] {
  const objects = Testing.synth(chart);
  const problems = objects.flatMap((o) => manifestValidator().validate(o, chart.node.path));
  if (problems.length > 0) {
    throw new Error(`invalid manifests:\n${problems.map((p) => `${p.object}: ${p.path} ${p.message}`).join('\n')}`);
  }
  return objects;
}

/** The one object of a kind (fails when there is not exactly one). */
export function one(objects: any[], kind: string): any {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}, found ${found.length}`);
  }
  return found[0];
}
