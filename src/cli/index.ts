import { Command, CommanderError } from 'commander';
import { registerAdminCommands } from './admin.js';
import { registerAdapterCommands } from './adapter.js';
import { registerAgentCommands } from './agent.js';
import { registerCommands } from './commands.js';
import { registerExperimentCommands } from './experiment.js';
import { registerGuardCommands } from './guard.js';
import { registerTraceCommands } from './traces.js';
import { EXIT, reportError } from './output.js';

export async function main(argv: string[] = process.argv): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('incontext')
    .description('ingest, retrieve and answer with citations — one self-hosted LLM app stack')
    .option('--home <dir>', 'data directory (env INCONTEXT_HOME, default ./.incontext)')
    .option('--project <id>', 'project (tenant) id (env INCONTEXT_PROJECT, default "default")')
    .option('--config <file>', 'config file (default ./incontext.config.{json,yaml})')
    .option('--json', 'machine-readable output')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program, (c) => {
    exitCode = c;
  });
  registerTraceCommands(program);
  registerAgentCommands(program, (c) => {
    exitCode = c;
  });
  registerAdapterCommands(program, (c) => {
    exitCode = c;
  });
  registerGuardCommands(program);
  registerExperimentCommands(program);
  registerAdminCommands(program, (c) => {
    exitCode = c;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    return reportError(e, argv.includes('--json'));
  }
}
