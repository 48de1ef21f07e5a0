package dev.sculptor.platform.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Refuses, with INVALID_ARGUMENT naming the field, any request whose text (every string field, at any depth: names,
 * descriptions, filters, request ids, map keys and values, settings) carries a control character other than tab, line
 * feed or carriage return. PostgreSQL cannot store NUL at all and would answer with its own error text; the other
 * control characters make log lines and terminals lie. One check for every service and method, before any handler
 * sees the message. Runs inside authentication (lower priority), so an unauthenticated caller learns nothing.
 */
@ApplicationScoped
@GlobalInterceptor
public class RequestText implements ServerInterceptor, Prioritized {
    @Override
    public int getPriority() {
        return -100;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        AtomicBoolean refused = new AtomicBoolean();
        // once refused, the handler's own late close (a streaming call that was under way) must not close twice
        ServerCall<Q, R> guarded = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (!refused.get()) {
                    super.close(status, trailers);
                }
            }
        };
        ServerCall.Listener<Q> delegate = next.startCall(guarded, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onMessage(Q message) {
                if (refused.get()) {
                    return;
                }
                String bad = message instanceof Message m ? firstBadField(m, "") : null;
                if (bad == null) {
                    super.onMessage(message);
                    return;
                }
                refused.set(true);
                call.close(Status.INVALID_ARGUMENT.withDescription(bad), new Metadata());
                super.onCancel(); // the handler cleans up what a stream had begun (an upload's staging)
            }

            @Override
            public void onHalfClose() {
                if (!refused.get()) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onCancel() {
                if (!refused.get()) {
                    super.onCancel();
                }
            }

            @Override
            public void onComplete() {
                if (!refused.get()) {
                    super.onComplete();
                }
            }
        };
    }

    /** "field.path: contains the control character U+0000", for the first string that has one; null when all are clean. */
    static String firstBadField(Message m, String prefix) {
        for (Map.Entry<FieldDescriptor, Object> f : m.getAllFields().entrySet()) {
            FieldDescriptor d = f.getKey();
            String path = prefix + d.getName();
            if (d.isRepeated()) {
                List<?> items = (List<?>) f.getValue();
                for (int i = 0; i < items.size(); i++) {
                    Object item = items.get(i);
                    String at = d.isMapField() ? path + "[" + key(item) + "]" : path + "[" + i + "]";
                    String bad = check(d, item, at);
                    if (bad != null) {
                        return bad;
                    }
                }
            } else {
                String bad = check(d, f.getValue(), path);
                if (bad != null) {
                    return bad;
                }
            }
        }
        return null;
    }

    private static String key(Object entry) {
        Object k = entry instanceof MapEntry<?, ?> e ? e.getKey() : entry instanceof Message m
                ? m.getField(m.getDescriptorForType().findFieldByNumber(1)) : "?";
        String s = String.valueOf(k);
        return control(s) >= 0 ? "?" : s.length() > 32 ? s.substring(0, 32) + "..." : s;
    }

    private static String check(FieldDescriptor d, Object value, String path) {
        if (d.getJavaType() == FieldDescriptor.JavaType.STRING) {
            int c = control((String) value);
            return c < 0 ? null : path + ": contains the control character U+" + String.format("%04X", c)
                    + " (text may not carry control characters other than tab and line breaks)";
        }
        if (d.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            return firstBadField((Message) value, d.isMapField() ? path + "." : path + ".");
        }
        return null;
    }

    /** The first control character of {@code s} that text may not carry, or -1. */
    static int control(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
                return c;
            }
        }
        return -1;
    }
}
