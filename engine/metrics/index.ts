export { RequestMetrics } from "./collector.js";
export { ComponentHistograms, createHistogram, type RequestTiming, recordMs, summarize } from "./histogram.js";
export { type ProfileRecord, RequestProfile } from "./profile.js";
export { type MetricsTicker, startMetricsTicker } from "./ticker.js";
