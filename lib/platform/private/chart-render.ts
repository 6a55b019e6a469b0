/**
 * Rendering the platform's charts in O(N) within one synthesis.
 *
 * cdk8s 2.70's `App.synth()` validates the whole app once, then calls `chart.toJson()` for each
 * chart, and `toJson()` (`App._synthChart`) validates the whole app again and resolves its
 * dependencies again before rendering the one chart: with a chart per model, every model's
 * validations run once per chart, O(N²) (measured: 9.6 s for 101 charts against 2.3 s for the same
 * objects in one chart). The platform's charts render the first time after a whole-app validation
 * without repeating it: each checks only its own constructs, then renders its objects exactly as
 * cdk8s does (`chartToKube`: the chart's dependency-ordered topology, the objects whose closest
 * chart it is). Any other call (`Testing.synth(chart)`, `cluster.addCdk8sChart`, a second render)
 * goes through cdk8s unchanged.
 */
import { ApiObject, Chart, DependencyGraph } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

/** Tracks one platform's charts between a whole-app validation and their renders. */
export class RenderPass {
  /** Charts whose next render follows a whole-app validation that was not a render's own. */
  private readonly validated = new Set<Chart>();
  private renderingDepth = 0;

  /**
   * `charts`: the platform's charts. The hook runs with the whole-app validation (`App.synth`,
   * `App.synthYaml`, and each `toJson`), first among the platform's constructs (it is on the
   * platform chart); a validation run by one of the platform's own full renders does not count.
   */
  constructor(
    owner: IConstruct,
    private readonly charts: () => readonly Chart[],
    /** What every render of a platform chart passes its objects through (the cost allocation labels). */
    private readonly decorate: (chart: Chart, objects: any[]) => any[] = (_chart, objects) => objects,
  ) {
    owner.node.addValidation({
      validate: () => {
        if (this.renderingDepth === 0) {
          this.charts().forEach((c) => this.validated.add(c));
        }
        return [];
      },
    });
  }

  /**
   * Validate the whole app once, as cdk8s does before rendering (every construct's validations,
   * problems reported as cdk8s reports them), so that the platform's charts then render without
   * repeating it: for renders outside `app.synth()` (`writeGitOps`).
   */
  public validateApp(scope: IConstruct): void {
    validateCdk8sApp(scope);
  }

  /** The chart's objects: without repeating the whole app's validation when it has just run, through cdk8s otherwise. */
  public render(chart: Chart, full: () => any[]): any[] {
    if (this.validated.delete(chart)) {
      return this.decorate(chart, renderOwn(chart));
    }
    this.renderingDepth++;
    try {
      return this.decorate(chart, full());
    } finally {
      this.renderingDepth--;
    }
  }
}

/**
 * Validate the whole cdk8s app of `scope` once, as cdk8s does before rendering (every construct's
 * validations, problems reported as cdk8s reports them): the platform's charts then render without
 * repeating it (`writeGitOps`, and `EksMlPlatform` before its `addCdk8sChart` calls, each of which
 * renders one chart).
 */
export function validateCdk8sApp(scope: IConstruct): void {
  let root = scope;
  while (root.node.scope !== undefined) {
    root = root.node.scope;
  }
  const errors = root.node.findAll().flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) {
    throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  }
}

/** A chart of a platform that renders through its `RenderPass`. */
export class PlatformPartChart extends Chart {
  constructor(scope: Construct, id: string, labels: Record<string, string> | undefined, private readonly pass: RenderPass) {
    super(scope, id, { labels });
  }

  public toJson(): any[] {
    return this.pass.render(this, () => super.toJson());
  }
}

/** Validate the chart's own constructs (as cdk8s reports problems), then render its objects as cdk8s `chartToKube` does. */
function renderOwn(chart: Chart): any[] {
  const own = (c: IConstruct) => Chart.of(c) === chart;
  const errors = chart.node.findAll().filter(own).flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) {
    throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  }
  return new DependencyGraph(chart.node).topology()
    .filter((c): c is ApiObject => c instanceof ApiObject && own(c))
    .map((o) => o.toJson());
}
