/**
 * The price table the cost estimate reads (issue 19): on-demand list prices in US dollars, per region,
 * as DATA (one object, `PRICE_TABLE`), each row naming where its figure was read. A row is here only
 * when a published figure was found; an instance type or region without a row is priced "no price" by
 * the estimate, never guessed. Prices change: the table says when it was read, and every estimate
 * repeats it.
 *
 * How the figures were found (2026-11-27): the AWS price pages themselves
 * (https://aws.amazon.com/sagemaker/pricing/, https://aws.amazon.com/ec2/pricing/on-demand/,
 * https://aws.amazon.com/s3/pricing/) render their tables with JavaScript and could not be read
 * from here; the figures come from stored copies that quote them, each cited per row:
 * - an AWS bill for SageMaker in EU (Ireland), December 2023, rates as billed (aws-samples/sagemaker-ssh-helper);
 * - the price configuration of AWS's FMBench (aws-samples/foundation-model-benchmarking-tool), SageMaker
 *   hosting and EC2 on-demand in US East (N. Virginia), the EC2 rows citing the on-demand page.
 * Cross-checks (agreeing figures from other copies): ml.g5.xlarge hosting in us-east-1 "about
 * $1.41/hour … us-east-1 as of October 2025" (https://zircon.tech/blog/the-real-cost-of-running-ai-models-on-aws-sagemaker-inference-deep-dive);
 * g5.xlarge on EC2 in us-east-1 "$1.006/hr" (June 2026, https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/);
 * ml.g4dn.xlarge $0.7364 (https://github.com/goerlitz/nlp-classification/blob/HEAD/notebooks/10kGNAD/sagemaker/README.md,
 * quoting the SageMaker pricing page); S3 Standard "$0.023 per GB" for the first 50 TB a month
 * (quoted from the S3 pricing page by many stored copies; "$0.023 to $0.026 per GB per month
 * (depending on your Region)", https://www.cloudhealthtech.com/blog/s3-cost-aws-cloud-storage-costs-explained).
 *
 * Left out, for want of a figure found here: SageMaker hosting, Batch Transform and processing of the GPU
 * types in eu-west-1 except those billed (ml.g5.xlarge hosting among them), SageMaker training, processing
 * and Batch Transform in us-east-1, every EC2 price in eu-west-1, S3 in eu-west-1, and P4d/P4de/P5/Trn1
 * everywhere (the copies disagree, and their on-demand prices were cut in 2025).
 */

/** What a price is the price of. */
export enum CostUsage {
  /** A SageMaker real-time inference instance (a hosting instance-hour). */
  SAGEMAKER_HOSTING = 'SAGEMAKER_HOSTING',
  /** A SageMaker training job instance-hour. */
  SAGEMAKER_TRAINING = 'SAGEMAKER_TRAINING',
  /** A SageMaker processing job instance-hour. */
  SAGEMAKER_PROCESSING = 'SAGEMAKER_PROCESSING',
  /** A SageMaker Batch Transform instance-hour. */
  SAGEMAKER_BATCH_TRANSFORM = 'SAGEMAKER_BATCH_TRANSFORM',
  /** An EC2 on-demand Linux instance-hour (Karpenter's nodes). */
  EC2_ON_DEMAND = 'EC2_ON_DEMAND',
  /** A GB-month of S3 Standard storage (the first 50 TB a month). */
  S3_STANDARD_STORAGE = 'S3_STANDARD_STORAGE',
}

/** Where the figures of some rows were read. */
export interface PriceSource {
  /** Short id the rows name. */
  readonly id: string;
  /** Address of what was read. */
  readonly url: string;
  /** What it is. */
  readonly title: string;
  /** When its figures were current, as far as it says (`YYYY-MM`, or words). */
  readonly figuresAsOf: string;
}

/** One price. */
export interface PriceRow {
  /** What is priced. */
  readonly usage: CostUsage;
  /** AWS Region code, e.g. `eu-west-1`. */
  readonly region: string;
  /** The instance type (`ml.g5.xlarge`, `g5.xlarge`), or `standard` for storage. */
  readonly item: string;
  /** US dollars per unit. */
  readonly usdPerUnit: number;
  /** `instance-hour` or `GB-month`. */
  readonly unit: string;
  /** Id of the `PriceSource` it was read from. */
  readonly source: string;
}

/** A price table: when it was read, from where, and its rows. */
export interface PriceTable {
  /** The day the figures were read (`YYYY-MM-DD`). */
  readonly readOn: string;
  /** The currency of every row. */
  readonly currency: string;
  /** The AWS price page of each usage (what the figures quote). */
  readonly pricePages: Record<string, string>;
  /** The sources the rows name. */
  readonly sources: PriceSource[];
  /** The prices. */
  readonly rows: PriceRow[];
}

const HOUR = 'instance-hour';
const BILL = 'aws-bill-eu-west-1-2023-12';
const FMBENCH = 'aws-fmbench-pricing';
const G4DN_README = 'goerlitz-sagemaker-readme';
const ZENKLINOV = 'zenklinov-cost-analysis';
const S3_PAGE = 's3-pricing-page';

function rows(usage: CostUsage, region: string, source: string, prices: Record<string, number>, unit = HOUR): PriceRow[] {
  return Object.entries(prices).map(([item, usdPerUnit]) => ({ usage, region, item, usdPerUnit, unit, source }));
}

/**
 * The library's price table. On-demand list prices: no Savings Plans, Reserved Instances, spot,
 * free tier, taxes or credits.
 */
export const PRICE_TABLE: PriceTable = {
  readOn: '2026-11-27',
  currency: 'USD',
  pricePages: {
    [CostUsage.SAGEMAKER_HOSTING]: 'https://aws.amazon.com/sagemaker/pricing/',
    [CostUsage.SAGEMAKER_TRAINING]: 'https://aws.amazon.com/sagemaker/pricing/',
    [CostUsage.SAGEMAKER_PROCESSING]: 'https://aws.amazon.com/sagemaker/pricing/',
    [CostUsage.SAGEMAKER_BATCH_TRANSFORM]: 'https://aws.amazon.com/sagemaker/pricing/',
    [CostUsage.EC2_ON_DEMAND]: 'https://aws.amazon.com/ec2/pricing/on-demand/',
    [CostUsage.S3_STANDARD_STORAGE]: 'https://aws.amazon.com/s3/pricing/',
  },
  sources: [
    {
      id: BILL,
      url: 'https://github.com/aws-samples/sagemaker-ssh-helper/blob/b6bf9ba39119784eb6ce6683ae9a6a2ed8ef4cd3/Sample_Costs.md',
      title: 'An AWS bill for SageMaker in EU (Ireland), rates as billed (aws-samples/sagemaker-ssh-helper, Sample_Costs.md)',
      figuresAsOf: '2023-12, as billed',
    },
    {
      id: FMBENCH,
      url: 'https://github.com/aws-samples/foundation-model-benchmarking-tool/blob/00ef155d0f9c6b999d796f915159d3d622f8233d/src/fmbench/configs/pricing.yml',
      title: 'AWS FMBench price configuration: SageMaker hosting and EC2 on-demand (from https://aws.amazon.com/ec2/pricing/on-demand/), US East (N. Virginia)',
      figuresAsOf: 'not dated (the file at that commit)',
    },
    {
      id: G4DN_README,
      url: 'https://github.com/goerlitz/nlp-classification/blob/HEAD/notebooks/10kGNAD/sagemaker/README.md',
      title: 'GPU instance prices quoted from https://aws.amazon.com/sagemaker/pricing/ (US East)',
      figuresAsOf: 'not dated',
    },
    {
      id: ZENKLINOV,
      url: 'https://github.com/zenklinov/HPC_-_AI_Infrastructure_Architect_Level_3_Advanced_-The_Orchestrator-/blob/HEAD/cost-analysis/aws-cost-estimation.md',
      title: 'A cost estimation quoting the g4dn.xlarge on-demand price in us-east-1',
      figuresAsOf: 'not dated',
    },
    {
      id: S3_PAGE,
      url: 'https://aws.amazon.com/s3/pricing/',
      title: 'Amazon S3 pricing, S3 Standard, first 50 TB a month, US East (N. Virginia), as quoted by stored copies of the page',
      figuresAsOf: 'quoted as current from 2022 to 2026',
    },
  ],
  rows: [
    // EU (Ireland): what the December 2023 bill charged ("$0.821 for Endpoint ml.g4dn.xlarge",
    // "$1.57 per Training ml.g5.xlarge hour in Europe (Ireland)", …).
    ...rows(CostUsage.SAGEMAKER_HOSTING, 'eu-west-1', BILL, {
      'ml.m5.xlarge': 0.257,
      'ml.g4dn.xlarge': 0.821,
      'ml.g4dn.4xlarge': 1.678,
      'ml.g4dn.12xlarge': 5.453,
      'ml.g5.12xlarge': 7.91,
    }),
    ...rows(CostUsage.SAGEMAKER_TRAINING, 'eu-west-1', BILL, {
      'ml.m5.xlarge': 0.257,
      'ml.g4dn.xlarge': 0.822,
      'ml.g5.xlarge': 1.57,
      'ml.p3.2xlarge': 4.131,
    }),
    ...rows(CostUsage.SAGEMAKER_PROCESSING, 'eu-west-1', BILL, { 'ml.m5.xlarge': 0.257 }),
    ...rows(CostUsage.SAGEMAKER_BATCH_TRANSFORM, 'eu-west-1', BILL, { 'ml.m5.xlarge': 0.257 }),

    // US East (N. Virginia), SageMaker hosting: FMBench's table (it writes ml.g5.xlarge as 1.4084; the
    // other copies found, and the cross-check above, say 1.408 / about 1.41).
    ...rows(CostUsage.SAGEMAKER_HOSTING, 'us-east-1', FMBENCH, {
      'ml.m5.xlarge': 0.23,
      'ml.g5.xlarge': 1.408,
      'ml.g5.2xlarge': 1.515,
      'ml.g5.12xlarge': 7.09,
      'ml.g5.24xlarge': 10.18,
      'ml.g5.48xlarge': 20.36,
      'ml.g4dn.12xlarge': 4.89,
      'ml.g6.2xlarge': 1.222,
      'ml.g6.12xlarge': 5.752,
      'ml.g6.16xlarge': 4.246,
      'ml.g6.24xlarge': 8.344,
      'ml.g6.48xlarge': 16.688,
      'ml.inf2.xlarge': 0.99,
      'ml.inf2.8xlarge': 2.36,
      'ml.inf2.24xlarge': 7.79,
      'ml.inf2.48xlarge': 15.58,
      'ml.p3.2xlarge': 3.825,
    }),
    ...rows(CostUsage.SAGEMAKER_HOSTING, 'us-east-1', G4DN_README, { 'ml.g4dn.xlarge': 0.7364 }),

    // US East (N. Virginia), EC2 on-demand Linux: FMBench's table (citing the on-demand page).
    ...rows(CostUsage.EC2_ON_DEMAND, 'us-east-1', FMBENCH, {
      'g5.xlarge': 1.006,
      'g5.2xlarge': 1.212,
      'g5.12xlarge': 5.672,
      'g5.24xlarge': 8.144,
      'g5.48xlarge': 16.288,
      'g4dn.12xlarge': 3.912,
      'g6.2xlarge': 0.9776,
      'g6.12xlarge': 4.6016,
      'g6.16xlarge': 3.3968,
      'g6.24xlarge': 6.6752,
      'g6.48xlarge': 13.3504,
      'inf2.xlarge': 0.7582,
      'inf2.8xlarge': 1.96786,
      'inf2.24xlarge': 6.49063,
      'inf2.48xlarge': 12.98127,
      'p3.2xlarge': 3.06,
    }),
    ...rows(CostUsage.EC2_ON_DEMAND, 'us-east-1', ZENKLINOV, { 'g4dn.xlarge': 0.526 }),

    ...rows(CostUsage.S3_STANDARD_STORAGE, 'us-east-1', S3_PAGE, { standard: 0.023 }, 'GB-month'),
  ],
};

/**
 * The row pricing `item` for `usage` in `region`, or undefined when the table has none (the estimate
 * then says "no price").
 *
 * @param table the price table
 * @param usage what is priced
 * @param region AWS Region code
 * @param item instance type, or `standard` for storage
 */
export function findPrice(table: PriceTable, usage: CostUsage, region: string, item: string): PriceRow | undefined {
  return table.rows.find((r) => r.usage === usage && r.region === region && r.item === item);
}

/** The source a row names, as text: its title and address. */
export function priceSourceText(table: PriceTable, row: PriceRow): string {
  const s = table.sources.find((x) => x.id === row.source);
  return s ? `${s.title} (figures: ${s.figuresAsOf}): ${s.url}` : row.source;
}
