package dev.sculptor.cli;

import dev.sculptor.api.v1.PruningGrpc;
import picocli.CommandLine.Option;

/** A call to the pruning service (prune jobs and re-prune triggers). */
abstract class PruningCall extends ServiceCall {
    /** The service as errors name it. */
    static final String SERVICE = "the pruning service";

    @Option(names = "--endpoint", paramLabel = "HOST:PORT",
            description = "The pruning service's gRPC endpoint (default: $SCULPTOR_PRUNING_ENDPOINT, else the local stack's).")
    void endpoint(String e) {
        endpoint = e;
    }

    @Override
    final String service() {
        return Endpoints.PRUNING;
    }

    static PruningGrpc.PruningBlockingStub pruning(Connection c) {
        return c.unary(PruningGrpc::newBlockingStub);
    }
}
