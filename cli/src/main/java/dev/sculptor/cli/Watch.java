package dev.sculptor.cli;

import dev.sculptor.api.v1.GetPruneJobRequest;
import dev.sculptor.api.v1.GetTrainingRunRequest;
import dev.sculptor.api.v1.PruneJob;
import dev.sculptor.api.v1.PruneJobEvent;
import dev.sculptor.api.v1.PruningGrpc;
import dev.sculptor.api.v1.TrainingGrpc;
import dev.sculptor.api.v1.TrainingRun;
import dev.sculptor.api.v1.WatchPruneJobRequest;
import dev.sculptor.api.v1.WatchTrainingRunRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Locale;

/**
 * Follows a prune job or a training run to its end, printing one line per change as it streams: each change of state,
 * each training progress report, prefixed with the time since {@link Clock} started. The service's stream ends after a
 * terminal state; a stream lost to UNAVAILABLE (the service restarting) is opened again a few times, and a repeated
 * report of the same state is not printed twice.
 */
final class Watch {
    private Watch() {}

    /** Streams lost in a row before giving up. */
    static final int MAX_RECONNECTS = 5;

    /** Elapsed time since the command started, as {@code [mm:ss]} (or {@code [h:mm:ss]}). */
    static final class Clock {
        private final long start = System.nanoTime();

        /** {@code mm:ss}, or {@code h:mm:ss} from an hour on. */
        String elapsed() {
            long s = (System.nanoTime() - start) / 1_000_000_000L;
            return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                    : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
        }

        String prefix() {
            return "[" + elapsed() + "] ";
        }
    }

    /** Follows a prune job; returns it as it ended. With {@code json}, prints every event as one JSON line instead. */
    static PruneJob job(Connection c, String name, PrintWriter out, Clock clock, boolean json) {
        PruneJob last = null;
        String lastLine = null;
        int lost = 0;
        while (true) {
            try {
                Iterator<PruneJobEvent> it = c.streaming(PruningGrpc::newBlockingStub)
                        .watchPruneJob(WatchPruneJobRequest.newBuilder().setName(name).build());
                while (it.hasNext()) {
                    PruneJobEvent e = it.next();
                    lost = 0;
                    if (json) {
                        Output.printJsonLine(out, e);
                    }
                    if (e.hasJob()) {
                        last = e.getJob();
                        String line = WorkOutput.jobLine(last);
                        if (!json && !line.equals(lastLine)) {
                            out.println(clock.prefix() + line);
                        }
                        lastLine = line;
                    } else if (e.hasTrainingProgress() && !json) {
                        PruneJobEvent.TrainingUpdate u = e.getTrainingProgress();
                        out.println(clock.prefix() + "  " + WorkOutput.progress(Choices.word(u.getRetrainMode()), u.getProgress()));
                    }
                    out.flush();
                }
                if (last != null && WorkOutput.terminal(last.getState())) {
                    return last;
                }
                // Ended before a terminal state: ask where the job stands.
                last = c.unary(PruningGrpc::newBlockingStub).getPruneJob(GetPruneJobRequest.newBuilder().setName(name).build());
                if (WorkOutput.terminal(last.getState())) {
                    if (!json && !WorkOutput.jobLine(last).equals(lastLine)) {
                        out.println(clock.prefix() + WorkOutput.jobLine(last));
                    }
                    return last;
                }
                lost = reconnect(out, clock, lost, "the stream ended before the job did", json);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || Errors.unreachable(e) && lost == 0 && last == null) {
                    throw e;
                }
                lost = reconnect(out, clock, lost, Errors.message(e, c.target), json);
                if (lost > MAX_RECONNECTS) {
                    throw e;
                }
            }
        }
    }

    /** Follows a training run; returns it as it ended. With {@code json}, prints every update as one JSON line instead. */
    static TrainingRun run(Connection c, String name, PrintWriter out, Clock clock, boolean json, String indent) {
        TrainingRun last = null;
        String lastLine = null;
        String lastProgress = null;
        int lost = 0;
        while (true) {
            try {
                Iterator<TrainingRun> it = c.streaming(TrainingGrpc::newBlockingStub)
                        .watchTrainingRun(WatchTrainingRunRequest.newBuilder().setName(name).build());
                while (it.hasNext()) {
                    TrainingRun r = it.next();
                    lost = 0;
                    last = r;
                    if (json) {
                        Output.printJsonLine(out, r);
                        continue;
                    }
                    String line = WorkOutput.runLine(r);
                    String progress = r.hasProgress() ? WorkOutput.progress(null, r.getProgress()) : null;
                    // The progress before the final state line: the last report comes with the run's end.
                    if (progress != null && !progress.equals(lastProgress)) {
                        out.println(clock.prefix() + indent + progress);
                        lastProgress = progress;
                    }
                    if (!line.equals(lastLine)) {
                        out.println(clock.prefix() + line);
                        lastLine = line;
                    }
                    out.flush();
                }
                if (last != null && WorkOutput.terminal(last.getState())) {
                    return last;
                }
                last = c.unary(TrainingGrpc::newBlockingStub).getTrainingRun(GetTrainingRunRequest.newBuilder().setName(name).build());
                if (WorkOutput.terminal(last.getState())) {
                    if (!json && !WorkOutput.runLine(last).equals(lastLine)) {
                        out.println(clock.prefix() + WorkOutput.runLine(last));
                    }
                    return last;
                }
                lost = reconnect(out, clock, lost, "the stream ended before the run did", json);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || Errors.unreachable(e) && lost == 0 && last == null) {
                    throw e;
                }
                lost = reconnect(out, clock, lost, Errors.message(e, c.target), json);
                if (lost > MAX_RECONNECTS) {
                    throw e;
                }
            }
        }
    }

    private static int reconnect(PrintWriter out, Clock clock, int lost, String why, boolean json) {
        int n = lost + 1;
        if (n > MAX_RECONNECTS) {
            if (!json) {
                out.flush();
            }
            if (why.startsWith("the stream ended")) {
                throw CliException.failure(why + " " + MAX_RECONNECTS + " times in a row; giving up (it goes on on the server)");
            }
            return n;
        }
        if (!json) {
            out.println(clock.prefix() + "lost the stream (" + why + "); watching again");
            out.flush();
        }
        try {
            Thread.sleep(1000L * n);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failure("interrupted");
        }
        return n;
    }
}
