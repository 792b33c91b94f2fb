/**
 * The family-B codec (State-Grid-style IEC 104 dialects, docs/protocols/state-grid-dialects.md) as
 * registered in `codecs/registry.ts`: one engine, one YAML catalogue per dialect. A listener's
 * `mapping:` names an options file or a catalogue; `pilegate decode` and `replay` take
 * `--dialect <file|name>` (`b1`, `b2`, `b3` or a catalogue file) when no options file is given.
 * What the engine does with a catalogue on a connection: docs/sgcc104-sessions.md.
 */
import { sgcc104Simulator } from '../../src/simulator/sgcc104/factory.js';
import type { Codec, CodecFlag, FrameInterpreter, FrameView, SessionContext } from '../codec.js';
import { isBuiltInDialect, loadDialect } from './load-catalogue.js';
import { DEFAULT_COMMAND_TIMEOUT_S, loadSgcc104Options } from './load-options.js';
import { checkSgcc104Options } from './options-report.js';
import type { Sgcc104Options } from './options.js';
import { Sgcc104Session } from './session.js';
import { sniffSgcc104 } from './sniff.js';
import { sgcc104FrameTools, sgcc104TimeZone } from './tools.js';
import { isLogin, linkWire } from './wire.js';

/** `--dialect <file|name>`: the catalogue frames are read with when no options file names one. */
export const DIALECT_FLAG: CodecFlag = {
  name: 'dialect',
  value: 'file|name',
  description: 'family-B dialect of the frames (--codec sgcc104): b1, b2, b3 or a catalogue file',
  check: (value) => (isBuiltInDialect(value) || /\.(ya?ml|json)$/i.test(value) ? undefined : `--dialect ${value}: expected b1, b2, b3 or a catalogue file (.yaml)`),
};

/** The options a tool reads frames with: the options file's, else the `--dialect` flag's catalogue with default operator options. */
function viewOptions(options: Sgcc104Options | undefined, view: FrameView): Sgcc104Options | undefined {
  if (options !== undefined) return options;
  const dialect = view.flags?.['dialect'];
  if (dialect === undefined) return undefined;
  return { dialect: loadDialect(dialect), timeZone: view.timeZone, commandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_S * 1000 };
}

/** Frames read one by one into events (`pilegate decode --mapping`): logins identify, I-frames go to the session's records. */
function interpreter(context: SessionContext<Sgcc104Options>, view: FrameView): FrameInterpreter {
  const options = viewOptions(context.options, view) ?? context.options;
  const session = new Sgcc104Session({ ...context, options, connection: { ...context.connection, timeZone: view.timeZone } });
  const wire = linkWire(options.dialect);
  return {
    interpret(frame) {
      if (isLogin(options.dialect, frame)) {
        session.interpret('login', frame);
        return true;
      }
      const apci = wire.apci(frame);
      if (!apci.ok || apci.value.format !== 'I') return false;
      session.interpret('asdu', wire.asdu(frame));
      return true;
    },
  };
}

export const sgcc104Codec: Codec<Sgcc104Options> = {
  name: 'sgcc104',
  description: 'State-Grid-style IEC 104 dialects (family B: B1, B2, B3 or a catalogue of your own)',
  loadOptions: loadSgcc104Options,
  optionsFile: { noun: 'family-B dialect or options file', required: true },
  // A catalogue (mappings/sgcc104/b1.yaml) can be named directly; an options file carries no kind.
  optionsKinds: ['sgcc104-dialect'],
  createSession: (context) => new Sgcc104Session(context),
  timeZone: sgcc104TimeZone,
  frameTools: (options, view) => sgcc104FrameTools(viewOptions(options, view), view),
  cliFlags: [DIALECT_FLAG],
  interpreter,
  checkOptions: checkSgcc104Options,
  simulator: sgcc104Simulator,
  // Family-B chargers speak first (their login), so `gatewaySpeaksFirst` stays unset.
  sniff: sniffSgcc104,
};

/** The registry's name for this folder's codec (see codecs/registry.ts). */
export { sgcc104Codec as codec };
