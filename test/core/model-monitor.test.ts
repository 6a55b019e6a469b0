import { describe, expect, it } from 'vitest';
import {
  MODEL_MONITOR_ANALYZER_ACCOUNTS,
  modelMonitorAnalyzerImage,
  monitorScheduleIntervalHours,
  monitorScheduleName,
  negativeIsoOffset,
} from '../../lib/core/model-monitor';

describe('modelMonitorAnalyzerImage', () => {
  it('knows the 23 regions of the AWS table', () => {
    expect(Object.keys(MODEL_MONITOR_ANALYZER_ACCOUNTS)).toHaveLength(23);
  });

  it.each([
    ['us-east-1', '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer'],
    ['eu-west-1', '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer'],
    ['ap-east-1', '001633400207.dkr.ecr.ap-east-1.amazonaws.com/sagemaker-model-monitor-analyzer'],
    ['cn-northwest-1', '453252182341.dkr.ecr.cn-northwest-1.amazonaws.com.cn/sagemaker-model-monitor-analyzer'],
  ])('%s → %s', (region, image) => {
    expect(modelMonitorAnalyzerImage(region)).toBe(image);
  });

  it.each(['ap-northeast-3', 'toString', ''])('has no image for %j', (region) => {
    expect(modelMonitorAnalyzerImage(region)).toBeUndefined();
  });
});

describe('monitorScheduleIntervalHours', () => {
  it.each<[string, number | undefined]>([
    ['cron(0 * ? * * *)', 1],
    ['cron(0 0 ? * * *)', 24],
    ['cron(0 23 ? * * *)', 24],
    ['cron(0 17/12 ? * * *)', 12],
    ['cron(0 0/1 ? * * *)', 1],
    ['cron(0 0/24 ? * * *)', 24],
    ['cron(0 24 ? * * *)', undefined],
    ['cron(0 0/0 ? * * *)', undefined],
    ['cron(0 0/25 ? * * *)', undefined],
    ['cron(15 * ? * * *)', undefined],
    ['cron(0 12 * * ? *)', undefined],
    ['rate(1 hour)', undefined],
    ['NOW', undefined],
  ])('%s → %s', (expression, hours) => {
    expect(monitorScheduleIntervalHours(expression)).toBe(hours);
  });
});

describe('negativeIsoOffset', () => {
  it.each([
    [1, '-PT1H'],
    [7, '-PT7H'],
    [24, '-P1D'],
    [25, '-PT25H'],
    [192, '-P8D'],
  ])('%d hours → %s', (hours, offset) => {
    expect(negativeIsoOffset(hours)).toBe(offset);
  });
});

describe('monitorScheduleName', () => {
  it('joins endpoint and kind when they fit', () => {
    expect(monitorScheduleName('fraud', 'data-quality')).toBe('fraud-data-quality');
  });

  it('cuts long names to 63 characters, unique by a hash of the full name', () => {
    const a = monitorScheduleName(`${'x'.repeat(55)}-a`, 'model-quality');
    const b = monitorScheduleName(`${'x'.repeat(55)}-b`, 'model-quality');
    expect(a).not.toBe(b);
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
      expect(name).toMatch(/-model-quality-[0-9a-f]{8}$/);
    }
  });
});
