import { JsonFile, cdk, javascript } from 'projen';

// Development runs on the newest versions (pinned, so CI is reproducible); users get peer ranges
// from the lowest versions that work (the FLOOR_* ones), proven by `scripts/floor-test.sh`, which
// runs the whole suite with exactly those versions installed. aws-cdk-lib 2.269.0 is the first with
// `Validations` (2.268 fails); constructs 10.5.0 is what aws-cdk-lib 2.269 asks for; cdk8s-plus-28
// 2.5.6 asks for cdk8s ^2.68.11, and 2.68.12 is the lowest of those the npm registry serves.
const AWS_CDK_LIB = '2.276.0';
const CONSTRUCTS = '10.8.1';
const CDK8S = '2.70.106';
const CDK8S_PLUS = '2.5.6';
export const FLOOR = { 'aws-cdk-lib': '2.269.0', 'constructs': '10.5.0', 'cdk8s': '2.68.12', 'cdk8s-plus-28': '2.5.6' };

const project = new cdk.JsiiProject({
  name: 'cdk-mlops',
  description:
    'Declare a whole MLOps platform in code: model registry, training pipelines with go/no-go gates, GPU serving with safe rollout, feature store and drift monitoring, rendered to AWS (aws-cdk-lib) and Kubernetes (cdk8s).',
  author: 'cdk-mlops maintainers',
  authorAddress: 'maintainers@cdk-mlops.dev',
  repositoryUrl: 'https://github.com/cdk-mlops/cdk-mlops.git',
  defaultReleaseBranch: 'main',
  license: 'Apache-2.0',
  keywords: ['cdk', 'cdk8s', 'mlops', 'sagemaker', 'kubernetes', 'gpu', 'karpenter', 'argo-rollouts'],
  packageManager: javascript.NodePackageManager.NPM,
  // Node 22 and 24 are the maintained lines (20 is end of life; jsii says so on every run); CI runs
  // the suite on both. See `engines` below.
  minNodeVersion: '22.0.0',
  projenrcTs: true,
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.0',

  // Source lives in lib/ (the layout of ../shared/DESIGN.md); compiled JavaScript goes to build/.
  srcdir: 'lib',
  libdir: 'build',
  entrypoint: 'build/index.js',

  // Python bindings (jsii-pacmak), built and exercised by scripts/python-test.sh in CI.
  publishToPypi: { distName: 'cdk-mlops', module: 'cdk_mlops' },
  testdir: 'test',

  // Tests run on vitest, not jest; CI is `.ci/run`, not GitHub workflows.
  jest: false,
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  docgen: true,
  docgenFilePath: 'API.md',
  eslint: true,
  eslintOptions: { dirs: ['lib'], devdirs: ['test', 'examples', 'scripts', 'bench'] },
  prettier: false,

  peerDeps: [
    `aws-cdk-lib@^${FLOOR['aws-cdk-lib']}`,
    `constructs@^${FLOOR.constructs}`,
    `cdk8s@^${FLOOR.cdk8s}`,
    `cdk8s-plus-28@^${FLOOR['cdk8s-plus-28']}`,
  ],
  // Bundled so consumers get exactly the versions tested: zod validates every spec, yaml reads
  // platform spec files (MlPlatform.fromFile).
  bundledDeps: ['zod@4.6.7', 'yaml@2.9.1'],
  // The peers are dev dependencies at the newest versions, not at the floor (projen's default).
  peerDependencyOptions: { pinnedDevDependency: false },
  devDeps: [
    `aws-cdk-lib@${AWS_CDK_LIB}`,
    `constructs@${CONSTRUCTS}`,
    `cdk8s@${CDK8S}`,
    `cdk8s-plus-28@${CDK8S_PLUS}`,
    // cdk-nag 2.x (Aspects, still the most installed line) beside 3.x (Validations): the library's
    // acknowledged findings must be accepted by both (test/platform/cdk-nag.test.ts).
    'cdk-nag-v2@npm:cdk-nag@2.38.2',
    'vitest@4.1.12',
    'cdk-nag@3.0.2',
    'aws-cdk@2.1148.1',
    'tsx@4.23.15',
    'ajv@8.20.0',
    'ajv-formats@3.0.1',
    '@types/node@^20',
    // A real SQL engine to prove the point-in-time join (FeatureStore) in tests. 1.5.6-r.1 lists
    // platform bindings the registry does not serve at that version (npm ci fails); 1.5.5-r.5 is complete.
    '@duckdb/node-api@1.5.5-r.5',
    // Runtime code (lib/runtime) is bundled with esbuild at build time; the AWS SDK clients are
    // bundled into it, so they are dev dependencies of the library.
    'esbuild@0.28.2',
    '@aws-sdk/client-s3@3.1169.0',
    '@aws-sdk/client-cloudwatch@3.1164.0',
    // The promotion handler (lib/runtime/promotion): CloudFormation UpdateStack and SageMaker
    // DescribeModelPackage. 3.1142.0 is the newest client-sagemaker the registry serves; both use
    // the @aws-sdk/core and @smithy versions already installed for client-s3.
    '@aws-sdk/client-cloudformation@3.1169.0',
    '@aws-sdk/client-sagemaker@3.1142.0',
    // The promotion's requeue signs its Lambda Invoke with the SDK's own signer (the version the
    // clients above install), declared rather than reached through their dependencies.
    '@smithy/signature-v4@5.7.5',
    'aws-sdk-client-mock@4.1.0',
  ],
  tsconfig: {
    compilerOptions: {
      // vitest provides its own globals through imports; node types are enough.
      types: ['node'],
      // No source maps in the package: they doubled its size and pointed at lib/*.ts, which is not
      // shipped. Stack traces point at build/*.js, plain tsc output.
      inlineSourceMap: false,
      inlineSources: false,
    },
  },
  tsconfigDev: {
    compilerOptions: {
      types: ['node'],
      // test/package/app.ts imports the package by name, as users do; type-checked against lib/.
      paths: { 'cdk-mlops': ['../lib/index.ts'] },
    },
    include: ['../examples/**/*.ts', '../scripts/**/*.ts', '../bench/**/*.ts', '../lib/**/*.ts'],
  },
  gitignore: ['/cdk.out/', '/.tools/', '/validate-out/', '/build/', '/.vitest/', '/assets/', '/.scratch/', '/.jsii.tabl.json'],
});

// The package holds what users run: compiled code, .jsii, the bundled runtime assets, the spec's
// JSON Schema, README and LICENSE. No TypeScript sources, test schemas, fixtures or tooling.
project.npmignore?.exclude(
  '/examples/', '/scripts/', '/bench/', '/docs/', '/.ci/', '/.tools/', 'cdk.json', '/cdk.out/',
  '/schemas/', '/docker/', '/test/', '/lib/', '/rosetta/', '/python/', 'checkov-skips.yaml', 'vitest.config.mts',
  'CONTRIBUTING.md', 'API.md', '/.scratch/', '/validate-out/', '*.tsbuildinfo',
  // The capture service, the Kubernetes promoter, the Kubernetes experiment decision and the
  // Kubernetes batch scoring's steps run only in the runtime image, built from the repository
  // (docker/drift-job/Dockerfile after `npm run bundle`), never from the package.
  '/assets/capture/', '/assets/k8s-promotion/', '/assets/experiment-k8s/', '/assets/batch-k8s/',
);

// Node 22 and 24: the maintained lines, both run in CI.
project.package.addEngine('node', '^22.0.0 || ^24.0.0');

// unrs-resolver 1.13.0 (eslint import resolver) lists platform bindings that the registry does not
// serve at that version, which breaks `npm ci`; 1.12.2 is complete.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// examples/, scripts/ and bench/ are TypeScript run by tsx: each gets a tsconfig so editors and the
// type-aware linter see them (tsc checks them all through test/tsconfig.json).
for (const dir of ['examples', 'scripts', 'bench']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: {
      extends: '../tsconfig.json',
      compilerOptions: { noEmit: true, rootDir: '..', types: ['node'] },
      include: ['**/*.ts', '../lib/**/*.ts'],
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The layering of lib/ (README "Layout"), enforced: core is target-neutral (zod only), aws and k8s
// never import each other, runtime imports core only, and only platform composes the targets.
const LAYER = (folder: string) => `./lib/${folder}`;
project.eslint?.addRules({
  'import/no-restricted-paths': ['error', {
    zones: [
      { target: LAYER('core'), from: ['aws', 'k8s', 'platform', 'runtime'].map(LAYER), message: 'lib/core is target-neutral: it imports zod and itself only.' },
      { target: LAYER('aws'), from: ['k8s', 'platform', 'runtime'].map(LAYER), message: 'lib/aws imports core (and aws-cdk-lib) only.' },
      { target: LAYER('k8s'), from: ['aws', 'platform', 'runtime'].map(LAYER), message: 'lib/k8s imports core (and cdk8s) only.' },
      { target: LAYER('runtime'), from: ['aws', 'k8s', 'platform'].map(LAYER), message: 'lib/runtime imports core (and the AWS SDK) only.' },
    ],
  }],
});
const restrictPackages = (folder: string, packages: string[], why: string) => project.eslint?.addOverride({
  files: [`lib/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', { patterns: packages.map((p) => ({ group: [p, `${p}/*`], message: why })) }],
  },
});
restrictPackages('core', ['aws-cdk-lib', 'cdk8s', 'cdk8s-plus-28', 'constructs', '@aws-sdk'], 'lib/core is target-neutral: zod only.');
restrictPackages('aws', ['cdk8s', 'cdk8s-plus-28'], 'lib/aws renders with aws-cdk-lib only.');
restrictPackages('k8s', ['aws-cdk-lib'], 'lib/k8s renders with cdk8s only.');
restrictPackages('runtime', ['aws-cdk-lib', 'cdk8s', 'cdk8s-plus-28', 'constructs'], 'lib/runtime runs in Lambda and containers: core and the AWS SDK only.');

// ---------------------------------------------------------------------------------------------
// Runtime code (lib/runtime) is bundled with esbuild into assets/ (shipped in the package): the
// Lambda and the CLI of the drift job. Every task that synthesizes needs it.
const bundle = project.addTask('bundle', {
  description: 'Bundle the runtime handlers and CLIs into assets/ (esbuild)',
  exec: 'tsx scripts/bundle-runtime.ts',
});
project.preCompileTask.spawn(bundle);

// jsii warns that each peer's dev dependency is not at the peer's floor: deliberately, development
// runs at the newest versions and scripts/floor-test.sh runs the suite at the floor.
project.compileTask.reset('jsii --silence-warnings=reserved-word --silence-warnings=metadata/missing-dev-dependency');

// ---------------------------------------------------------------------------------------------
// Every TypeScript snippet of README.md compiles (jsii-rosetta, with the fixtures in rosetta/); the
// tablet it writes lets jsii-pacmak translate the snippets into the Python package's docs.
const rosetta = project.addTask('rosetta', {
  description: 'Compile every TypeScript snippet of README.md (jsii-rosetta; fixtures in rosetta/) and write the translation tablet',
  exec: 'jsii-rosetta extract --compile --fail --no-validate-assemblies .jsii',
});
project.postCompileTask.spawn(rosetta);

// ---------------------------------------------------------------------------------------------
// Tests: vitest, then eslint (projen appends eslint to the test task).
project.testTask.reset();
project.testTask.spawn(bundle);
project.testTask.exec('vitest run');
// Type-check tests, examples and scripts too (vitest strips types without checking them).
project.testTask.exec('tsc --noEmit -p test/tsconfig.json');
project.testTask.spawn(project.tasks.tryFind('eslint')!);
// Structure (CONTRIBUTING, "Structure: how it is measured"): no function in lib/ over 80 lines.
project.testTask.exec('tsx scripts/measure-structure.ts --max-function-lines 80');
project.addTask('test:watch', { exec: 'vitest' });

// ---------------------------------------------------------------------------------------------
// Examples: `cdk synth` runs examples/main.ts (cdk.json), which also writes the Kubernetes YAML.
// The app command of cdk.json bundles the runtime first, so this is plain `cdk synth`: the quick start
// proves that `cdk synth` (and deploy, watch) work right after `npm ci`.
const synthTask = project.addTask('synth', {
  description: 'Synthesize every example: CloudFormation templates and Kubernetes YAML into cdk.out/',
  env: { CDK_DISABLE_CLI_TELEMETRY: 'true' },
});
synthTask.exec('cdk synth --quiet --no-notices --no-version-reporting');

// Benchmarks print figures (never timed tests): synthesis time against hand-written baselines.
project.addTask('bench', {
  description: 'Synthesis time vs number of models, against hand-written L1 / cdk8s baselines (bench/README.md)',
  exec: 'tsx bench/synth.ts',
  receiveArgs: true,
});

project.addTask('spec:schema', {
  description: 'Generate spec/platform-spec.schema.json (JSON Schema of the platform spec) from its zod schema; --check fails if it is stale',
  exec: 'tsx scripts/spec-json-schema.ts',
  receiveArgs: true,
});

project.addTask('bench:scale', {
  description: 'MlPlatform / MlPlatformChart at 10-1,000 models beside hand-written L1 and plain cdk8s, interleaved; fails on CloudFormation limits (bench/README.md)',
  exec: 'tsx bench/scale.ts',
  receiveArgs: true,
});
project.addTask('bench:drift', {
  description: 'PSI and KS throughput (10M values x 50 features; 1M vs 1M) beside numpy/scipy, interleaved on the same bytes (bash scripts/drift-reference.sh --install first)',
  exec: 'tsx bench/drift.ts',
  receiveArgs: true,
});

// ---------------------------------------------------------------------------------------------
// Output validation by real tools (cfn-lint, checkov, Kubernetes + CRD schemas), and the drift job's
// bundles against an S3 + CloudWatch emulator (moto's server mode; `npm test` uses an SDK mock, as it
// must run without Python). The emulator has its own venv: its boto pins differ from checkov's.
const validateTools = project.addTask('validate:tools', {
  description: 'Install the pinned validation tools into .tools/venv and the S3/CloudWatch emulator (moto) into .tools/emulator-venv (idempotent)',
  exec: 'bash scripts/install-validation-tools.sh',
});
validateTools.exec('bash scripts/install-emulator.sh');
const validate = project.addTask('validate', {
  description: 'Synthesize every example, validate the output with cfn-lint, checkov and schemas, and run the drift job against moto',
});
validate.spawn(project.tasks.tryFind('validate:tools')!);
validate.spawn(project.tasks.tryFind('synth')!);
validate.exec('bash scripts/validate.sh cdk.out');

project.synth();
