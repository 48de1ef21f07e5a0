package dev.sculptor.platform.requests;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.sculptor.platform.errors.PlatformException;
import java.util.ArrayList;
import java.util.List;

/**
 * AIP-155 for create methods: a retried call with the same {@code request_id} gets the first call's
 * resource, and a call that reuses the id for another body is refused. A service stores
 * {@link #body} of the first request beside its request id and, when the id comes again, passes the
 * stored bytes to {@link #requireSame}, which names the fields that differ.
 */
public final class RequestBodies {
    /** The field every create request carries for its idempotency key; it is not part of the body. */
    public static final String REQUEST_ID = "request_id";
    private static final int NAMED = 5;

    private RequestBodies() {}

    /** The request without its request id, as deterministic bytes to store. */
    public static byte[] body(Message request) {
        return withoutRequestId(request).toByteString().toByteArray();
    }

    /**
     * Throws ALREADY_EXISTS when {@code request} differs from the stored body of the first request with
     * the same id; {@code stored} null (a resource created before bodies were kept) accepts any body.
     */
    public static void requireSame(String requestId, Message request, byte[] stored) {
        if (stored == null) {
            return;
        }
        Message first;
        try {
            first = request.getParserForType().parseFrom(stored);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the stored body of request_id " + requestId + " is not a " + request.getDescriptorForType()
                    .getName() + ": " + e.getMessage(), e);
        }
        List<String> diff = differences(first, withoutRequestId(request));
        if (!diff.isEmpty()) {
            String named = String.join(", ", diff.subList(0, Math.min(NAMED, diff.size())))
                    + (diff.size() > NAMED ? " and " + (diff.size() - NAMED) + " more" : "");
            throw new PlatformException(PlatformException.Code.ALREADY_EXISTS, "request_id '" + echo(requestId) + "' was used for a different request ("
                    + named + " differ" + (diff.size() == 1 ? "s" : "") + "); use a new request_id for a new request");
        }
    }

    /** The paths of the fields whose values differ ({@code prune_job.plan.epochs}), in field order. */
    public static List<String> differences(Message a, Message b) {
        List<String> out = new ArrayList<>();
        diff("", a, b, out);
        return out;
    }

    private static void diff(String prefix, Message a, Message b, List<String> out) {
        for (FieldDescriptor f : a.getDescriptorForType().getFields()) {
            String path = prefix + f.getName();
            Object va = a.getField(f);
            Object vb = b.getField(f);
            boolean present = !f.hasPresence() || a.hasField(f) == b.hasField(f);
            if (f.isMapField()) {
                // a map's entries come in the order the client added them: the same labels in another order are the same body
                if (!asMap(va).equals(asMap(vb))) {
                    out.add(path);
                }
                continue;
            }
            if (present && va.equals(vb)) {
                continue;
            }
            if (present && !f.isRepeated() && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                diff(path + ".", (Message) va, (Message) vb, out);
            } else {
                out.add(path);
            }
        }
        if (!a.getUnknownFields().equals(b.getUnknownFields())) {
            out.add(prefix.isEmpty() ? "unknown fields" : prefix + "(unknown fields)");
        }
    }

    private static java.util.Map<Object, Object> asMap(Object entries) {
        java.util.Map<Object, Object> m = new java.util.HashMap<>();
        for (Object e : (List<?>) entries) {
            Message entry = (Message) e;
            FieldDescriptor key = entry.getDescriptorForType().findFieldByNumber(1);
            FieldDescriptor value = entry.getDescriptorForType().findFieldByNumber(2);
            m.put(entry.getField(key), entry.getField(value));
        }
        return m;
    }

    private static Message withoutRequestId(Message request) {
        FieldDescriptor id = request.getDescriptorForType().findFieldByName(REQUEST_ID);
        return id == null ? request : request.toBuilder().clearField(id).build();
    }

    private static String echo(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
