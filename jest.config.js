// One Jest run over every project (what `npm test` runs); `nx test <project>` runs one of them.
const { getJestProjectsAsync } = require('@nx/jest');

module.exports = async () => ({
  projects: await getJestProjectsAsync(),
  // In a multi-project run Jest reads the timeout from here only, not from each project's config: this is the
  // longest any project needs (whole orders through seven processes in e2e/order-spine).
  testTimeout: 180_000,
});
