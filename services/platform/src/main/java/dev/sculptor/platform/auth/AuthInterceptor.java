package dev.sculptor.platform.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Every gRPC call carries {@code authorization: Bearer <token>}; a missing or unknown token is
 * UNAUTHENTICATED, a role below what the method needs ({@link Role#requiredFor}) is
 * PERMISSION_DENIED. The health and reflection services stay open for probes.
 */
@ApplicationScoped
@GlobalInterceptor
public class AuthInterceptor implements ServerInterceptor {
    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** The caller's role, for services that need it. */
    public static final Context.Key<Role> ROLE = Context.key("sculptor-role");

    @ConfigProperty(name = "sculptor.auth.tokens")
    List<String> tokenEntries;

    private TokenRoles tokens;

    @PostConstruct
    void init() {
        tokens = new TokenRoles(tokenEntries);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String service = call.getMethodDescriptor().getServiceName();
        if (service != null && (service.startsWith("grpc.health.") || service.startsWith("grpc.reflection."))) {
            return next.startCall(call, headers);
        }
        String auth = headers.get(AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.length() <= 7) {
            return reject(call, Status.UNAUTHENTICATED.withDescription("missing bearer token: send 'authorization: Bearer <token>'"));
        }
        Role role = tokens.roleOf(auth.substring(7).trim()).orElse(null);
        if (role == null) {
            return reject(call, Status.UNAUTHENTICATED.withDescription("unknown bearer token"));
        }
        Role needed = Role.requiredFor(call.getMethodDescriptor().getBareMethodName());
        if (!role.covers(needed)) {
            return reject(call, Status.PERMISSION_DENIED.withDescription(call.getMethodDescriptor().getFullMethodName()
                    + " needs role " + needed.name().toLowerCase() + ", the token has " + role.name().toLowerCase()));
        }
        return Contexts.interceptCall(Context.current().withValue(ROLE, role), call, headers, next);
    }

    private static <Q, R> ServerCall.Listener<Q> reject(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
