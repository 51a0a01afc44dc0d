import { errorFields, type Logger } from './log';

/** A job the worker runs on its own schedule. */
export interface Job {
  name: string;
  intervalMs: number;
  run(): Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
}

export interface JobState {
  name: string;
  intervalMs: number;
  lastRunAt: string | null;
  lastDurationMs: number | null;
  lastError: string | null;
  runs: number;
  failures: number;
  nextRunAt: string;
}

/** One finished run of a job, as the scheduler reports it (the worker records it in JobRuns). */
export interface JobRunReport {
  name: string;
  startedAt: Date;
  durationMs: number;
  result: Record<string, unknown> | null;
  /** The failure's message; null for a successful run. */
  error: string | null;
}

/**
 * The worker's scheduler loop: every tick it runs the jobs that are due, one after another (the
 * database has one writer at a time anyway), logs the tick, and never lets one job's failure stop
 * the loop. `stop()` resolves once the job in progress has finished.
 */
export class Scheduler {
  private readonly states = new Map<string, JobState>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private tickCount = 0;

  constructor(
    private readonly jobs: Job[],
    private readonly tickMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /** Called after every tick with the jobs' state (the worker records its heartbeat here). */
    private readonly onTick: (tick: number, jobs: JobState[]) => void = () => undefined,
    /** Called after every job run (the worker records the run's history here). */
    private readonly onJobRun: (run: JobRunReport) => void = () => undefined,
  ) {
    const start = new Date(this.now()).toISOString();
    for (const job of jobs) {
      this.states.set(job.name, {
        name: job.name,
        intervalMs: job.intervalMs,
        lastRunAt: null,
        lastDurationMs: null,
        lastError: null,
        runs: 0,
        failures: 0,
        nextRunAt: start,
      });
    }
  }

  /** Each job's last run, counts and next run. */
  snapshot(): JobState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  /** Runs every due job once (all of them when `all`), then logs the tick. */
  async tick(all = false): Promise<void> {
    this.tickCount += 1;
    const ran: string[] = [];
    for (const job of this.jobs) {
      if (this.stopped && !all) break;
      const state = this.states.get(job.name);
      if (!state) continue; // every job gets a state in the constructor
      if (!all && Date.parse(state.nextRunAt) > this.now()) continue;
      const started = this.now();
      let result: Record<string, unknown> | null = null;
      try {
        result = (await job.run()) ?? null;
        state.lastError = null;
        this.logger.info('job done', {
          job: job.name,
          ms: this.now() - started,
          ...(result ?? {}),
        });
      } catch (error) {
        state.failures += 1;
        state.lastError = error instanceof Error ? error.message : String(error);
        this.logger.error('job failed', { job: job.name, ...errorFields(error) });
      }
      state.runs += 1;
      state.lastRunAt = new Date(started).toISOString();
      const durationMs = this.now() - started;
      state.lastDurationMs = durationMs;
      state.nextRunAt = new Date(started + job.intervalMs).toISOString();
      ran.push(job.name);
      try {
        this.onJobRun({
          name: job.name,
          startedAt: new Date(started),
          durationMs,
          result,
          error: state.lastError,
        });
      } catch (error) {
        this.logger.error('job run not recorded', { job: job.name, ...errorFields(error) });
      }
    }
    this.logger.info('tick', { tick: this.tickCount, ran });
    try {
      this.onTick(this.tickCount, this.snapshot());
    } catch (error) {
      this.logger.error('heartbeat failed', errorFields(error));
    }
  }

  /** Starts the loop: a tick now, then one every `tickMs` (never two at once). */
  start(): void {
    const loop = async (): Promise<void> => {
      if (this.stopped) return;
      this.running = this.tick();
      try {
        await this.running;
      } catch (error) {
        // tick() catches each job's and the heartbeat's errors; anything else must not become an
        // unhandled rejection (which ends the process) nor stop the schedule.
        this.logger.error('tick failed', errorFields(error));
      } finally {
        this.running = null;
      }
      this.scheduleNext(loop);
    };
    void loop();
  }

  /** The next tick, unless stop() was called meanwhile (read after an await, hence a method). */
  private scheduleNext(loop: () => Promise<void>): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void loop(), this.tickMs);
  }

  /** Stops scheduling; waits for the tick in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
