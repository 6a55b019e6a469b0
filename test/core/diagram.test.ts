import { describe, expect, it } from 'vitest';
import { DiagramModel, platformDiagram } from '../../lib/core/diagram';
import { LOOP_LINKS, LoopLink } from '../../lib/core/lifecycle-loop';

const stages = LOOP_LINKS.map(({ link }) => ({ link, rendered: link !== LoopLink.APPROVAL, implementation: '', resources: [] }));
const models: DiagramModel[] = [
  {
    name: 'churn',
    owner: 'churn-oncall',
    stages,
    alarms: [
      { name: 'Serving/Rollback-error-rate', owner: 'churn-oncall', link: LoopLink.AUTO_ROLLBACK },
      { name: 'Drift/Sustained "drift" <psi>', owner: 'churn-oncall', link: LoopLink.DRIFT },
      { name: 'Batch/Failed', owner: 'data-oncall' },
    ],
  },
  { name: 'fraud-v2', owner: 'fraud-oncall', stages, alarms: [] },
];

describe('platformDiagram', () => {
  const { dot, mermaid } = platformDiagram('acme', models);

  it('draws each model as a cluster with its eight links as a cycle (the last edge back to capture)', () => {
    expect(dot).toContain('subgraph "cluster_churn"');
    expect(dot).toContain('subgraph "cluster_fraud-v2"');
    const edges = dot.split('\n').filter((l) => /^\s+churn_[A-Z_]+ -> churn_[A-Z_]+/.test(l));
    expect(edges.map((l) => l.trim().replace(/;$/, '').split(' ').slice(0, 3).join(' '))).toEqual([
      'churn_CAPTURE -> churn_DRIFT', 'churn_DRIFT -> churn_RETRAIN', 'churn_RETRAIN -> churn_GATE', 'churn_GATE -> churn_REGISTER',
      'churn_REGISTER -> churn_APPROVAL', 'churn_APPROVAL -> churn_CANARY_DEPLOY', 'churn_CANARY_DEPLOY -> churn_AUTO_ROLLBACK', 'churn_AUTO_ROLLBACK -> churn_CAPTURE',
    ]);
    // A link the platform leaves to the user is dashed.
    expect(dot).toMatch(/churn_APPROVAL \[label="approval", style="rounded,dashed"/);
  });

  it('names every alarm with its owner beside the link it watches, escaping quotes (DOT) and angle brackets (Mermaid)', () => {
    expect(dot).toContain('label="Serving/Rollback-error-rate\\nowner: churn-oncall"');
    expect(dot).toContain('label="Drift/Sustained \\"drift\\" <psi>\\nowner: churn-oncall"');
    expect(dot).toMatch(/churn_alarm_\d -> churn_AUTO_ROLLBACK \[style=dotted/);
    expect(mermaid).toContain('Drift/Sustained #quot;drift#quot; #lt;psi#gt;<br/>owner: churn-oncall');
    // An alarm watching no link stands beside the model, unconnected.
    const batch = /(churn_alarm_\d)\[\/"Batch\/Failed<br\/>owner: data-oncall"\/\]/.exec(mermaid);
    expect(batch).not.toBeNull();
    expect(mermaid).not.toContain(`${batch![1]} -.-`);
  });

  it('is valid DOT for Graphviz and valid Mermaid in shape (balanced braces and subgraphs), and deterministic', () => {
    expect(dot.startsWith('digraph "acme" {')).toBe(true);
    expect((dot.match(/{/g) ?? []).length).toBe((dot.match(/}/g) ?? []).length);
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    expect((mermaid.match(/^\s+subgraph /gm) ?? []).length).toBe((mermaid.match(/^\s+end$/gm) ?? []).length);
    expect(platformDiagram('acme', [...models].map((m) => ({ ...m, alarms: [...m.alarms].reverse() })))).toEqual({ dot, mermaid });
  });
});
