/**
 * The price table the cost estimate reads (issue 19): on-demand list prices in US dollars, per region,
 * as DATA (one object, `PRICE_TABLE`), each row naming where its figure was read. A row is here only
 * when a published figure was found; an instance type or region without a row is priced "no price" by
 * the estimate, never guessed. Prices change: the table says when it was read, and every estimate
 * repeats it.
 *
 * How the figures were found (2026-11-27): the AWS price pages themselves
 * (https://aws.amazon.com/sagemaker/pricing/, https://aws.amazon.com/ec2/pricing/on-demand/,
 * https://aws.amazon.com/s3/pricing/) render their tables with JavaScript from data files that could not
 * be read from here (no network but package registries), and no stored copy of those tables or of the
 * AWS Price List offer files for SageMaker was found; the figures come from stored copies that carry
 * them, each cited per row:
 * - EC2 on-demand (Linux) in us-east-1: Karpenter's generated price table
 *   (aws/karpenter-provider-aws, pkg/providers/pricing/zz_generated.pricing_aws.go, "generated at
 *   2026-07-20T13:44:30Z for us-east-1" from the AWS Price List API), the prices Karpenter itself
 *   starts with. It has no other Region.
 * - EC2 on-demand (Linux) in eu-west-1: the per-Region prices of the GPU instance types in
 *   tsaol/aws-gpu (data/<family>_instances.js, "Auto-generated from instances.vantage.sh data", "Last
 *   updated: 2026-01-21"; instances.vantage.sh reads the AWS Price List API). Every catalog type it prices
 *   in eu-west-1 is a row (g4dn, g5, inf2, p3, p3dn, p4d); it has no eu-west-1 figure for g6, g6e, p4de,
 *   p5, p5e, p5en, trn1 or trn1n.
 * - SageMaker in EU (Ireland): an AWS bill of December 2023, rates as billed (aws-samples/sagemaker-ssh-helper).
 * - SageMaker hosting in US East (N. Virginia): the price configuration of AWS's FMBench
 *   (aws-samples/foundation-model-benchmarking-tool).
 * Cross-checks (2026-11-27): the two machine-generated EC2 copies agree exactly: all 46 us-east-1 rows
 * from Karpenter's table (2026-07-20) equal tsaol/aws-gpu's us-east-1 figures (2026-01-21), g4dn to
 * trn1n, p4d.24xlarge $21.957642 and p5.48xlarge $55.04 among them. FMBench's EC2 rows equal Karpenter's
 * for g5, g6, g4dn.12xlarge, inf2 and p3.2xlarge (g5.xlarge $1.006, g6.2xlarge $0.9776, inf2.xlarge
 * $0.7582, …) but not for p4d.24xlarge ($32.7726 against $21.957642) or p5.48xlarge ($98.32 against
 * $55.04): FMBench predates the 2025 cut of those on-demand prices, so its SageMaker P4d/P5 rows are left
 * out too. g5.xlarge on EC2 in us-east-1 "$1.006/hr" (June 2026,
 * https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/); ml.g5.xlarge
 * hosting in us-east-1 "about $1.41/hour … us-east-1 as of October 2025"
 * (https://zircon.tech/blog/the-real-cost-of-running-ai-models-on-aws-sagemaker-inference-deep-dive);
 * ml.g4dn.xlarge $0.7364 (https://github.com/goerlitz/nlp-classification/blob/HEAD/notebooks/10kGNAD/sagemaker/README.md,
 * quoting the SageMaker pricing page); S3 Standard "$0.023 per GB" for the first 50 TB a month
 * (quoted from the S3 pricing page by many stored copies; "$0.023 to $0.026 per GB per month
 * (depending on your Region)", https://www.cloudhealthtech.com/blog/s3-cost-aws-cloud-storage-costs-explained).
 *
 * Left out, for want of a citable figure found here: SageMaker real-time hosting of ml.g5.xlarge in
 * eu-west-1 (the example's serving type; the 2023 bill has only its training rate, $1.57, and no stored
 * copy of the SageMaker price page, its data files or the Price List offer file for EU (Ireland) was
 * found), and the other SageMaker hosting, Batch Transform and processing rates of eu-west-1 the bill
 * does not show (ml.g5.2xlarge, ml.g6.*, …); SageMaker training, processing and Batch Transform in
 * us-east-1; S3 Standard in eu-west-1 (the copies found disagree: $0.023 on a 2017 bill line, $0.025 in
 * a hand-written 2025 note, neither citable as the price page); EC2 in eu-west-1 for g6, g6e, p4de, p5,
 * p5e, p5en and Trn1; SageMaker P4d/P4de/P5/Trn1; and p5e.48xlarge on EC2.
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
const KARPENTER = 'karpenter-pricing-us-east-1';
const S3_PAGE = 's3-pricing-page';
const VANTAGE_COPY = 'aws-gpu-vantage-copy';

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
      title: 'AWS FMBench price configuration: SageMaker hosting, US East (N. Virginia) (aws-samples/foundation-model-benchmarking-tool)',
      figuresAsOf: 'not dated (the file at that commit)',
    },
    {
      id: G4DN_README,
      url: 'https://github.com/goerlitz/nlp-classification/blob/HEAD/notebooks/10kGNAD/sagemaker/README.md',
      title: 'GPU instance prices quoted from https://aws.amazon.com/sagemaker/pricing/ (US East)',
      figuresAsOf: 'not dated',
    },
    {
      id: KARPENTER,
      url: 'https://github.com/aws/karpenter-provider-aws/blob/6fc13b5236fd04fd16ff3f9dc7490d0813994099/pkg/providers/pricing/zz_generated.pricing_aws.go',
      title: 'Karpenter\'s on-demand EC2 price table for us-east-1, generated from the AWS Price List API (aws/karpenter-provider-aws)',
      figuresAsOf: '2026-07-20',
    },
    {
      id: VANTAGE_COPY,
      url: 'https://github.com/tsaol/aws-gpu/tree/7412fd256c5eda04a70a17742a68e8e44824b2cb/data',
      title: 'EC2 on-demand (Linux) prices per Region of the GPU instance types, "Auto-generated from instances.vantage.sh data" '
        + '(tsaol/aws-gpu, data/<family>_instances.js; its us-east-1 figures equal Karpenter\'s table)',
      figuresAsOf: '2026-01-21',
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

    // US East (N. Virginia), EC2 on-demand Linux: Karpenter's generated table, every type of the GPU catalog it has.
    ...rows(CostUsage.EC2_ON_DEMAND, 'us-east-1', KARPENTER, {
      'g4dn.xlarge': 0.526,
      'g4dn.2xlarge': 0.752,
      'g4dn.4xlarge': 1.204,
      'g4dn.8xlarge': 2.176,
      'g4dn.16xlarge': 4.352,
      'g4dn.12xlarge': 3.912,
      'g4dn.metal': 7.824,
      'g5.xlarge': 1.006,
      'g5.2xlarge': 1.212,
      'g5.4xlarge': 1.624,
      'g5.8xlarge': 2.448,
      'g5.16xlarge': 4.096,
      'g5.12xlarge': 5.672,
      'g5.24xlarge': 8.144,
      'g5.48xlarge': 16.288,
      'g6.xlarge': 0.8048,
      'g6.2xlarge': 0.9776,
      'g6.4xlarge': 1.3232,
      'g6.8xlarge': 2.0144,
      'g6.16xlarge': 3.3968,
      'g6.12xlarge': 4.6016,
      'g6.24xlarge': 6.6752,
      'g6.48xlarge': 13.3504,
      'g6e.xlarge': 1.861,
      'g6e.2xlarge': 2.24208,
      'g6e.4xlarge': 3.00424,
      'g6e.8xlarge': 4.52856,
      'g6e.16xlarge': 7.57719,
      'g6e.12xlarge': 10.49264,
      'g6e.24xlarge': 15.06559,
      'g6e.48xlarge': 30.13118,
      'p3.2xlarge': 3.06,
      'p3.8xlarge': 12.24,
      'p3.16xlarge': 24.48,
      'p3dn.24xlarge': 31.212,
      'p4d.24xlarge': 21.957642,
      'p4de.24xlarge': 27.44705,
      'p5.48xlarge': 55.04,
      'p5en.48xlarge': 63.296,
      'inf2.xlarge': 0.7582,
      'inf2.8xlarge': 1.96786,
      'inf2.24xlarge': 6.49063,
      'inf2.48xlarge': 12.98127,
      'trn1.2xlarge': 1.34375,
      'trn1.32xlarge': 21.5,
      'trn1n.32xlarge': 24.78,
    }),

    // EU (Ireland), EC2 on-demand Linux: the instances.vantage.sh copy, every GPU catalog type it prices there.
    ...rows(CostUsage.EC2_ON_DEMAND, 'eu-west-1', VANTAGE_COPY, {
      'g4dn.xlarge': 0.587,
      'g4dn.2xlarge': 0.838,
      'g4dn.4xlarge': 1.342,
      'g4dn.8xlarge': 2.426,
      'g4dn.16xlarge': 4.853,
      'g4dn.12xlarge': 4.362,
      'g4dn.metal': 8.724,
      'g5.xlarge': 1.123,
      'g5.2xlarge': 1.35296,
      'g5.4xlarge': 1.81287,
      'g5.8xlarge': 2.73271,
      'g5.16xlarge': 4.57237,
      'g5.12xlarge': 6.33167,
      'g5.24xlarge': 9.09117,
      'g5.48xlarge': 18.18233,
      'p3.2xlarge': 3.305,
      'p3.8xlarge': 13.22,
      'p3.16xlarge': 26.44,
      'p3dn.24xlarge': 33.711,
      'p4d.24xlarge': 23.71569,
      'inf2.xlarge': 0.94775,
      'inf2.8xlarge': 2.45982,
      'inf2.24xlarge': 8.11329,
      'inf2.48xlarge': 16.22658,
    }),

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
