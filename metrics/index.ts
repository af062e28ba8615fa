export { createNodeMetrics, type NodeMetrics, type NodeMetricSources } from './node-metrics.ts';
export { cachedRead } from './scrape-cache.ts';
export { TallyCounter, type Tally } from './tally-counter.ts';
