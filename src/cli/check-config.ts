import { ConfigError, findConfigFile, loadConfig } from '../config/load-config.js';
import { requireKeyFiles } from '../config/require-key-files.js';
import { UsageError } from '../errors.js';
import type { Command } from './command.js';
import { commonOptions, commonOptionsHelp, parseCommandArgs, wantsHelp } from './command-group.js';

const help = `Usage: photogate check-config [--config FILE] [--store FILE] [--json]

Validate the configuration (file, PHOTOGATE_* environment, defaults) as \`photogate start\` would,
and print every problem with its key path. Exits 0 when it is valid, 1 when it is not.

${commonOptionsHelp}
`;

export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'validate the configuration and print every problem with its key path',
  help,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout.write(help);
      return 0;
    }
    const fail = (message: string) => new UsageError(`photogate check-config: ${message}`);
    let parsed: ReturnType<typeof parseCommandArgs>;
    try {
      parsed = parseCommandArgs(args, commonOptions);
    } catch (error) {
      throw error instanceof UsageError ? fail(error.message) : error;
    }
    const { values, positionals } = parsed;
    if (positionals.length > 0) throw fail('takes no arguments (see --help)');
    const json = values.json === true;
    const given = values.config as string | undefined;
    const file = findConfigFile(given, io.env);
    try {
      const { config } = loadConfig({ file: given, overrides: { store: values.store as string | undefined }, env: io.env });
      requireKeyFiles(config, file ?? 'defaults');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      if (json) {
        const problems = error.problems.flatMap((p) => p.split('\n').map((line) => line.trim()));
        io.stdout.write(`${JSON.stringify({ ok: false, file: file ?? null, problems }, null, 2)}\n`);
      } else {
        io.stderr.write(`${error.message}\n`);
      }
      return 1;
    }
    if (json) io.stdout.write(`${JSON.stringify({ ok: true, file: file ?? null, problems: [] }, null, 2)}\n`);
    else io.stdout.write(`configuration OK (${file ?? 'built-in defaults'})\n`);
    return 0;
  },
};
