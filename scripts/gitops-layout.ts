/**
 * Check the GitOps layout `npm run synth` writes (`MlPlatformChart.writeGitOps`, cdk.out/gitops)
 * against the manifests the other validation steps judged (cdk.out/k8s):
 *
 *   1. every manifest file of the layout is byte for byte a file of the k8s folder (so every object
 *      a GitOps tool would apply was validated), and the layout has a `shared` folder;
 *   2. every Argo CD Application of `argocd/` points at a folder of the layout holding manifests
 *      (its `spec.source.path` ends with that folder), exactly one Application per folder;
 *   3. an Application of a model folder deploys to that folder's namespace (the one Namespace its
 *      chart renders), and its objects all live there.
 *
 * Usage: npx tsx scripts/gitops-layout.ts <gitops dir> <k8s dir>
 *        npx tsx scripts/gitops-layout.ts --self-test   (test/fixtures/broken/gitops must fail, for each reason)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';

type Obj = Record<string, any>;

/** Every problem of the layout at `gitops` against the manifests of `k8s`. */
export function layoutProblems(gitops: string, k8s: string): string[] {
  const problems: string[] = [];
  const folders = new Map<string, Obj[]>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (/\.ya?ml$/.test(entry.name)) {
        const rel = path.relative(gitops, full);
        const twin = path.join(k8s, entry.name);
        if (!fs.existsSync(twin)) {
          problems.push(`${rel}: no ${entry.name} in ${k8s}: this manifest was not validated`);
        } else if (!fs.readFileSync(twin).equals(fs.readFileSync(full))) {
          problems.push(`${rel}: differs from ${twin}, which the validation steps judged`);
        }
        const folder = path.dirname(rel).split(path.sep).join('/');
        const objects = YAML.parseAllDocuments(fs.readFileSync(full, 'utf8')).map((d) => d.toJS()).filter((o) => o && typeof o === 'object');
        folders.set(folder, [...(folders.get(folder) ?? []), ...objects]);
      }
    }
  };
  walk(gitops);
  if (!folders.has('shared')) {
    problems.push('shared/: missing (the platform chart: node pools and MLflow)');
  }
  const applications = (folders.get('argocd') ?? []).filter((o) => o.kind === 'Application');
  if (applications.length === 0) {
    problems.push('argocd/: no Argo CD Application');
  }
  const targets = [...folders.keys()].filter((f) => f !== 'argocd');
  const pointed = new Map<string, string[]>();
  for (const app of applications) {
    const name = `Application ${app.metadata?.name}`;
    const source = String(app.spec?.source?.path ?? '');
    const folder = targets.find((f) => source === f || source.endsWith(`/${f}`));
    if (folder === undefined) {
      problems.push(`${name}: spec.source.path ${source} is no folder of the layout (${targets.join(', ')})`);
      continue;
    }
    pointed.set(folder, [...(pointed.get(folder) ?? []), name]);
    if (folder.startsWith('models/')) {
      const objects = folders.get(folder)!;
      const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata?.name);
      const destination = app.spec?.destination?.namespace;
      if (namespaces.length !== 1 || namespaces[0] !== destination) {
        problems.push(`${name}: destination namespace ${destination}, but ${folder} renders the namespace(s) ${namespaces.join(', ') || '(none)'}`);
      }
      const elsewhere = objects.filter((o) => o.kind !== 'Namespace' && o.metadata?.namespace !== destination);
      for (const o of elsewhere) {
        problems.push(`${folder}: ${o.kind} ${o.metadata?.namespace ?? '(cluster)'}/${o.metadata?.name} is outside the model's namespace ${destination}`);
      }
    }
  }
  for (const folder of targets) {
    const apps = pointed.get(folder) ?? [];
    if (apps.length !== 1) {
      problems.push(`${folder}/: ${apps.length === 0 ? 'no Application points here' : `${apps.length} Applications point here (${apps.join(', ')})`}`);
    }
  }
  return problems;
}

/** The self-test's fixture and the problems it must report, one substring each. */
const BROKEN = path.join(__dirname, '..', 'test', 'fixtures', 'broken', 'gitops');
const EXPECTED = [
  'models/churn/platform-churn.k8s.yaml: differs from',
  'models/upsell/platform-upsell.k8s.yaml: no platform-upsell.k8s.yaml in',
  'Application acme-fraud: spec.source.path clusters/acme-ml/models/fraud is no folder of the layout',
  'Application acme-churn: destination namespace acme-upsell, but models/churn renders the namespace(s) acme-churn',
  'models/upsell/: no Application points here',
];

function main(argv: string[]): number {
  if (argv[0] === '--self-test') {
    const problems = layoutProblems(path.join(BROKEN, 'layout'), path.join(BROKEN, 'k8s'));
    const missing = EXPECTED.filter((e) => !problems.some((p) => p.includes(e)));
    if (missing.length > 0) {
      console.error(`gitops-layout: the broken layout was not refused for:\n  ${missing.join('\n  ')}\n(reported: ${problems.join('; ') || 'nothing'})`);
      return 1;
    }
    console.log(`gitops-layout rejects the broken layout for each of its ${EXPECTED.length} reasons: ok`);
    return 0;
  }
  if (argv.length !== 2) {
    console.error('usage: tsx scripts/gitops-layout.ts <gitops dir> <k8s dir> | --self-test');
    return 2;
  }
  const problems = layoutProblems(argv[0], argv[1]);
  for (const p of problems) {
    console.error(`gitops-layout: ${p}`);
  }
  if (problems.length > 0) {
    return 1;
  }
  console.log(`gitops-layout: ${argv[0]} holds only validated manifests, one Argo CD Application per folder, each model's in its namespace`);
  return 0;
}

if (require.main === module) {
  process.exit(main(process.argv.slice(2)));
}
