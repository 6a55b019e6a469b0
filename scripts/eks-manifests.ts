/**
 * Writes the Kubernetes manifests the EKS stacks deliver (each `Custom::AWSCDK-EKS-KubernetesResource`'s
 * `Manifest`, as `cluster.addCdk8sChart` inlines it) as YAML files, so that the manifest steps judge
 * what `platform.EksMlPlatform` applies: its objects exist only there (e.g. the External Secrets
 * Operator's SecretStore and ExternalSecret of MLflow's backend store URI), not in cdk.out/k8s.
 *
 * CloudFormation references inside a manifest (`Ref`, `Fn::GetAtt`, `Fn::ImportValue`, pseudo
 * parameters) are written as `cfn-<name>` in lowercase: a DNS label, valid wherever the resolved ARN,
 * bucket name or region would be a string.
 *
 * Usage: npx tsx scripts/eks-manifests.ts <cdk.out> <output dir>; prints the files written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';

const MANIFEST_TYPE = 'Custom::AWSCDK-EKS-KubernetesResource';

/** A placeholder for a CloudFormation reference: `cfn-` and its logical id / export / pseudo parameter, lowercase. */
function placeholder(ref: unknown): string {
  const r = ref as Record<string, any>;
  const name = r.Ref ?? (r['Fn::GetAtt'] ? r['Fn::GetAtt'][0] : undefined) ?? (typeof r['Fn::ImportValue'] === 'string' ? r['Fn::ImportValue'] : undefined);
  if (typeof name !== 'string') {
    throw new Error(`eks-manifests: unsupported intrinsic in a manifest: ${JSON.stringify(ref)}`);
  }
  return `cfn-${name.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}`.slice(0, 63).replace(/-+$/, '');
}

/** The manifest text of a KubernetesResource: a string, or an `Fn::Join` of strings and references. */
function manifestText(manifest: unknown): string {
  if (typeof manifest === 'string') {
    return manifest;
  }
  const join = (manifest as Record<string, any>)['Fn::Join'];
  if (!Array.isArray(join) || join[0] !== '') {
    throw new Error(`eks-manifests: unsupported manifest: ${JSON.stringify(manifest).slice(0, 200)}`);
  }
  return (join[1] as unknown[]).map((p) => (typeof p === 'string' ? p : placeholder(p))).join('');
}

function main(): void {
  const [out, dir] = process.argv.slice(2);
  if (!out || !dir) {
    console.error('usage: npx tsx scripts/eks-manifests.ts <cdk.out> <output dir>');
    process.exit(2);
  }
  fs.mkdirSync(dir, { recursive: true });
  const templates = fs.readdirSync(out).filter((f) => f.endsWith('.template.json')).sort();
  for (const file of templates) {
    const template = JSON.parse(fs.readFileSync(path.join(out, file), 'utf8'));
    for (const [id, resource] of Object.entries<any>(template.Resources ?? {})) {
      if (resource.Type !== MANIFEST_TYPE) {
        continue;
      }
      const objects = JSON.parse(manifestText(resource.Properties.Manifest)) as unknown[];
      const target = path.join(dir, `${file.replace(/\.template\.json$/, '')}-${id}.yaml`);
      fs.writeFileSync(target, objects.map((o) => YAML.stringify(o)).join('---\n'));
      console.log(target);
    }
  }
}

main();
