package dev.sculptor.cli;

import com.google.protobuf.MessageOrBuilder;
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
        return follow(c, name, out, clock, json, new Followed<PruneJobEvent, PruneJob>("job") {
            @Override
            Iterator<PruneJobEvent> watch(Connection c, String name) {
                return c.streaming(PruningGrpc::newBlockingStub).watchPruneJob(WatchPruneJobRequest.newBuilder().setName(name).build());
            }

            @Override
            PruneJob get(Connection c, String name) {
                return c.unary(PruningGrpc::newBlockingStub).getPruneJob(GetPruneJobRequest.newBuilder().setName(name).build());
            }

            @Override
            PruneJob state(PruneJobEvent e) {
                return e.hasJob() ? e.getJob() : null;
            }

            @Override
            String progress(PruneJobEvent e) {
                if (e.hasJob() || !e.hasTrainingProgress()) {
                    return null;
                }
                PruneJobEvent.TrainingUpdate u = e.getTrainingProgress();
                return "  " + WorkOutput.progress(Choices.word(u.getRetrainMode()), u.getProgress());
            }

            @Override
            String line(PruneJob j) {
                return WorkOutput.jobLine(j);
            }

            @Override
            boolean terminal(PruneJob j) {
                return WorkOutput.terminal(j.getState());
            }
        });
    }

    /** Follows a training run; returns it as it ended. With {@code json}, prints every update as one JSON line instead. */
    static TrainingRun run(Connection c, String name, PrintWriter out, Clock clock, boolean json, String indent) {
        return follow(c, name, out, clock, json, new Followed<TrainingRun, TrainingRun>("run") {
            private String lastProgress;

            @Override
            Iterator<TrainingRun> watch(Connection c, String name) {
                return c.streaming(TrainingGrpc::newBlockingStub)
                        .watchTrainingRun(WatchTrainingRunRequest.newBuilder().setName(name).build());
            }

            @Override
            TrainingRun get(Connection c, String name) {
                return c.unary(TrainingGrpc::newBlockingStub).getTrainingRun(GetTrainingRunRequest.newBuilder().setName(name).build());
            }

            @Override
            TrainingRun state(TrainingRun r) {
                return r;
            }

            /** Each report once; it comes before the state line, as the last report comes with the run's end. */
            @Override
            String progress(TrainingRun r) {
                String progress = r.hasProgress() ? WorkOutput.progress(null, r.getProgress()) : null;
                if (progress == null || progress.equals(lastProgress)) {
                    return null;
                }
                lastProgress = progress;
                return indent + progress;
            }

            @Override
            String line(TrainingRun r) {
                return WorkOutput.runLine(r);
            }

            @Override
            boolean terminal(TrainingRun r) {
                return WorkOutput.terminal(r.getState());
            }
        });
    }

    /** The command's failure for something that ended other than SUCCEEDED: {@code <name> ended <STATE>[: <why>]}. */
    static CliException ended(String name, Enum<?> state, String why) {
        return CliException.failure(name + " ended " + state.name() + (why.isEmpty() ? "" : ": " + why));
    }

    /** What a watch follows: the stream of {@code E}, each maybe carrying the state {@code T}, and how to print them. */
    private abstract static class Followed<E extends MessageOrBuilder, T> {
        /** {@code job} or {@code run}, for the message when the stream ends early. */
        final String noun;

        Followed(String noun) {
            this.noun = noun;
        }

        abstract Iterator<E> watch(Connection c, String name);

        /** Where it stands now, when the stream ended before a terminal state. */
        abstract T get(Connection c, String name);

        /** The state this element carries, or null. */
        abstract T state(E e);

        /** The progress line (after the clock) this element adds, or null. */
        abstract String progress(E e);

        /** The one-line state, printed whenever it changes. */
        abstract String line(T t);

        abstract boolean terminal(T t);
    }

    private static <E extends MessageOrBuilder, T> T follow(Connection c, String name, PrintWriter out, Clock clock, boolean json,
            Followed<E, T> f) {
        T last = null;
        String lastLine = null;
        int lost = 0;
        while (true) {
            try {
                Iterator<E> it = f.watch(c, name);
                while (it.hasNext()) {
                    E e = it.next();
                    lost = 0;
                    T t = f.state(e);
                    if (t != null) {
                        last = t;
                    }
                    if (json) {
                        Output.printJsonLine(out, e);
                    } else {
                        String progress = f.progress(e);
                        if (progress != null) {
                            out.println(clock.prefix() + progress);
                        }
                        if (t != null && !f.line(t).equals(lastLine)) {
                            lastLine = f.line(t);
                            out.println(clock.prefix() + lastLine);
                        }
                    }
                    out.flush();
                }
                if (last != null && f.terminal(last)) {
                    return last;
                }
                // Ended before a terminal state: ask where it stands.
                last = f.get(c, name);
                if (f.terminal(last)) {
                    if (!json && !f.line(last).equals(lastLine)) {
                        out.println(clock.prefix() + f.line(last));
                    }
                    return last;
                }
                lost = reconnect(out, clock, lost, "the stream ended before the " + f.noun + " did", json);
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
