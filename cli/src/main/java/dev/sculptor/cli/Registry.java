package dev.sculptor.cli;

import dev.sculptor.api.v1.ModelRegistryGrpc;

/** The model registry's stubs over a {@link Connection} (which the caller owns and closes). */
final class Registry {
    /** Unary calls give up after this long. */
    static final long UNARY_DEADLINE_SECONDS = Connection.UNARY_DEADLINE_SECONDS;

    final Endpoints.Target target;
    private final Connection connection;

    Registry(Connection connection) {
        this.connection = connection;
        this.target = connection.target;
    }

    /** For unary calls: with a deadline. */
    ModelRegistryGrpc.ModelRegistryBlockingStub blocking() {
        return connection.unary(ModelRegistryGrpc::newBlockingStub);
    }

    /** For a download: no overall deadline (a checkpoint may be large). */
    ModelRegistryGrpc.ModelRegistryBlockingStub streamingBlocking() {
        return connection.streaming(ModelRegistryGrpc::newBlockingStub);
    }

    /** For an upload (client-streaming): no overall deadline. */
    ModelRegistryGrpc.ModelRegistryStub async() {
        return connection.streaming(ModelRegistryGrpc::newStub);
    }
}
