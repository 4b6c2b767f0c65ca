// One Jest run over every project (what `npm test` runs); `nx test <project>` runs one of them.
const { getJestProjectsAsync } = require('@nx/jest');

module.exports = async () => ({
  projects: await getJestProjectsAsync(),
});
