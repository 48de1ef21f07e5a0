package dev.sculptor.platform.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.sculptor.api.v1.CreateModelRequest;
import dev.sculptor.api.v1.Model;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestTextTest {
    static CreateModelRequest request(String description, String labelValue) {
        return CreateModelRequest.newBuilder().setModelId("m").setModel(Model.newBuilder().setDisplayName("Model one")
                .setDescription(description).putLabels("team", labelValue)).build();
    }

    @Test
    void namesTheFirstFieldWithAControlCharacter() {
        assertNull(RequestText.firstBadField(request("two\nlines\twith tabs\r\n and café", "vision"), ""));
        assertEquals("model.description: contains the control character U+0000 (text may not carry control characters other "
                + "than tab and line breaks)", RequestText.firstBadField(request("a\u0000b", "vision"), ""));
        assertTrue(RequestText.firstBadField(request("ok", "vi\u001bsion"), "").startsWith("model.labels[team].value: contains the "
                + "control character U+001B"), RequestText.firstBadField(request("ok", "vi\u001bsion"), ""));
        Struct settings = Struct.newBuilder().putFields("a", Value.newBuilder().setListValue(com.google.protobuf.ListValue.newBuilder()
                .addValues(Value.newBuilder().setStringValue("x\u007f"))).build()).build();
        assertTrue(RequestText.firstBadField(settings, "").contains("U+007F"), RequestText.firstBadField(settings, ""));
    }

    @Test
    void aRefusedRequestNeverReachesTheHandler() {
        List<Object> seen = new ArrayList<>();
        Recorded call = new Recorded();
        List<ServerCall<CreateModelRequest, Model>> given = new ArrayList<>();
        ServerCall.Listener<CreateModelRequest> l = new RequestText().interceptCall(call, new Metadata(), (c, h) -> {
            given.add(c);
            return new ServerCall.Listener<>() {
                    @Override
                    public void onMessage(CreateModelRequest message) {
                        seen.add(message);
                    }

                    @Override
                    public void onHalfClose() {
                        seen.add("half-close");
                        given.get(0).close(Status.OK, new Metadata()); // a handler closing late must not close twice
                    }

                    @Override
                    public void onCancel() {
                        seen.add("cancel");
                    }
                };
        });
        l.onMessage(request("a\u0000b", "v"));
        l.onHalfClose();
        l.onComplete();
        given.get(0).close(Status.OK, new Metadata()); // a streaming handler under way closes late: ignored
        assertEquals(List.of("cancel"), seen, "the handler cleans up, and sees nothing else");
        assertEquals(1, call.closes);
        assertEquals(Status.Code.INVALID_ARGUMENT, call.status.getCode());
        assertTrue(call.status.getDescription().startsWith("model.description: contains the control character U+0000"));

        Recorded clean = new Recorded();
        List<Object> handled = new ArrayList<>();
        ServerCall.Listener<CreateModelRequest> ok = new RequestText().interceptCall(clean, new Metadata(), (c, h) ->
                new ServerCall.Listener<>() {
                    @Override
                    public void onMessage(CreateModelRequest message) {
                        handled.add(message);
                    }
                });
        ok.onMessage(request("fine", "v"));
        assertEquals(1, handled.size());
        assertFalse(clean.closes > 0);
    }

    /** A call that counts how it was closed. */
    private static final class Recorded extends ServerCall<CreateModelRequest, Model> {
        Status status;
        int closes;

        @Override
        public void close(Status status, Metadata trailers) {
            this.status = status;
            closes++;
        }

        @Override
        public void request(int numMessages) {}

        @Override
        public void sendHeaders(Metadata headers) {}

        @Override
        public void sendMessage(Model message) {}

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        public MethodDescriptor<CreateModelRequest, Model> getMethodDescriptor() {
            MethodDescriptor.Marshaller<CreateModelRequest> in = new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(CreateModelRequest value) {
                    return value.toByteString().newInput();
                }

                @Override
                public CreateModelRequest parse(InputStream stream) {
                    throw new UnsupportedOperationException();
                }
            };
            MethodDescriptor.Marshaller<Model> out = new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(Model value) {
                    return value.toByteString().newInput();
                }

                @Override
                public Model parse(InputStream stream) {
                    throw new UnsupportedOperationException();
                }
            };
            return MethodDescriptor.<CreateModelRequest, Model>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("sculptor.v1.ModelRegistry/CreateModel").setRequestMarshaller(in).setResponseMarshaller(out)
                    .build();
        }
    }
}
