/** Command-line settings of `deno task bench`. */
export interface BenchSettings {
  quick: boolean;
  repetitions: number;
  durationSeconds: number;
  warmupSeconds: number;
  soakSeconds: number;
  bcryptCost: number;
  /** Scenario names to run; empty runs them all */
  only: string[];
  /** Rewrite the run's section of bench/README.md (full runs only, unless asked) */
  updateReadme: boolean;
  /** First port of the benchmark's servers (`--port`); ceilings and other instances take offsets from it */
  port: number;
  /** Database the run re-creates and drops (`--database`) */
  databaseName: string;
  redisUrl: string;
  /** `--scale`: the data-size benchmark (bench/scale.ts) instead of the ceilings run */
  scale: boolean;
  /** Ordinary users at the largest size (`--users`) */
  users: number;
  /** Sizes measured in turn, ascending, always starting with 0 (`--sizes`; default 0, users/10, users) */
  sizes: number[];
}

const USAGE =
  `deno task bench [--quick] [--cost N] [--reps N] [--duration S] [--soak S] [--only a,b] [--readme|--no-readme]

  --quick        smoke run: 1 repetition × 3 s, soak 10 s
  --cost N       bcrypt cost of the sign-in scenario (default 12, the configured default)
  --reps N       repetitions per scenario (default 5)
  --duration S   seconds per repetition (default 10)
  --soak S       soak length in seconds (default 60)
  --only LIST    scenarios: me-memory (with me-memory-metrics), me-memory-metrics, me-redis, me-eddsa, me-es256, refresh, signin, soak, startup
  --readme       update bench/README.md even after a partial or quick run
  --no-readme    leave bench/README.md alone
  --database D   database to re-create, use and drop (default jessy_bench; jessy_scale with --scale)
  --port P       first port of the servers started (default 18400; ceilings take P+10 and up)

deno task bench --scale [--users N] [--sizes a,b,c] [--reps N] [--duration S] [--only a,b] [--database D] [--port P]

  --scale        seed a database per size (jessy_scale_<users>), start the service on each, and measure
                 every hot path at all sizes turn about (bench/README.md, "Scale"); 5 repetitions × 4 s by default
  --users N      ordinary users at the largest size (default 1000000; 0 is the empty run alone)
  --sizes LIST   sizes to measure (default 0, N/10, N); 0 is always measured
  --database D   name the size's databases start with (D_<users>); --port P: size i's servers at P + 20i`;

function numberFlag(name: string, value: string | undefined, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new Error(`${name} needs an integer between ${min} and ${max}`);
  }
  return parsed;
}

// The run drops its database at the start and at the end: never one of these
const NOT_BENCH_DATABASES = ["postgres", "template0", "template1", "test"];

/** The `--database` value, refused unless it is a plain name of a database the run may drop. */
export function databaseFlag(value: string | undefined): string {
  if (!value || !/^[a-z_][a-z0-9_]*$/.test(value)) {
    throw new Error("--database needs a name of lower-case letters, digits and underscores");
  }
  if (NOT_BENCH_DATABASES.includes(value)) throw new Error(`--database ${value}: the run drops its database`);
  return value;
}

/** Parses the flags; prints usage and exits on --help or a bad flag. */
export function parseArgs(args: readonly string[]): BenchSettings {
  const quick = args.includes("--quick");
  const settings: BenchSettings = {
    quick,
    // Runs on these shared machines move by ±20%: five pairs give a steadier median than three
    repetitions: quick ? 1 : 5,
    durationSeconds: quick ? 3 : 10,
    // The service has more code for the JIT to settle than a ceiling: give both 10 s
    warmupSeconds: quick ? 1 : 10,
    soakSeconds: quick ? 10 : 60,
    bcryptCost: 12,
    only: [],
    updateReadme: !quick,
    port: 18_400,
    databaseName: "jessy_bench",
    redisUrl: "redis://127.0.0.1:6379/9",
    scale: args.includes("--scale"),
    users: 1_000_000,
    sizes: [],
  };
  if (settings.scale) {
    // Three sizes × ten scenarios within the 30 minutes a run may take. The sizes take turns, so
    // each repetition is one more run of every size; at three, one slow second of the machine
    // still moved a ratio by 10% (a 1M run at 82% of empty, its ceiling at 106%), so five
    settings.repetitions = quick ? 1 : 5;
    settings.durationSeconds = quick ? 2 : 4;
    settings.warmupSeconds = quick ? 1 : 2;
    settings.databaseName = "jessy_scale";
  }
  let sizes: number[] | undefined;
  try {
    for (let i = 0; i < args.length; i++) {
      const flag = args[i];
      const next = () => args[++i];
      if (flag === "--quick" || flag === "--scale") continue;
      else if (flag === "--users") settings.users = numberFlag(flag, next(), 0, 10_000_000);
      else if (flag === "--sizes") {
        sizes = (next() ?? "").split(",").filter(Boolean).map((size) => numberFlag(flag, size, 0, 10_000_000));
      } else if (flag === "--cost") settings.bcryptCost = numberFlag(flag, next(), 4, 15);
      else if (flag === "--reps") settings.repetitions = numberFlag(flag, next(), 1, 20);
      else if (flag === "--duration") settings.durationSeconds = numberFlag(flag, next(), 1, 600);
      else if (flag === "--soak") settings.soakSeconds = numberFlag(flag, next(), 10, 3600);
      else if (flag === "--only") settings.only = (next() ?? "").split(",").filter(Boolean);
      else if (flag === "--database") settings.databaseName = databaseFlag(next());
      else if (flag === "--port") settings.port = numberFlag(flag, next(), 1024, 65_000);
      else if (flag === "--readme") settings.updateReadme = true;
      else if (flag === "--no-readme") settings.updateReadme = false;
      else if (flag === "--help" || flag === "-h") {
        console.log(USAGE);
        Deno.exit(0);
      } else throw new Error(`unknown flag ${flag}`);
    }
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
  if (settings.only.length > 0) settings.updateReadme = args.includes("--readme");
  settings.sizes = scaleSizes(settings.users, sizes);
  return settings;
}

/** The sizes of a scale run: ascending, distinct, starting at 0, never past `users`. */
export function scaleSizes(users: number, requested?: number[]): number[] {
  const wanted = requested ?? [0, Math.floor(users / 10), users];
  return [...new Set([0, ...wanted.filter((size) => size <= users)])].sort((a, b) => a - b);
}

/** True when the scenario is selected by --only (or no --only was given). */
export function wants(settings: BenchSettings, scenario: string): boolean {
  return settings.only.length === 0 || settings.only.includes(scenario);
}
