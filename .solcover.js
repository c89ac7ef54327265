// Test-only contracts are not deployables: keep them out of the coverage figures.
module.exports = {
  skipFiles: ["mocks/"],
  istanbulReporter: ["text", "json-summary", "lcov"],
  configureYulOptimizer: true,
};
