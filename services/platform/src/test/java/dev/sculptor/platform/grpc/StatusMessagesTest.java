package dev.sculptor.platform.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class StatusMessagesTest {
    @Test
    void onlyBytesOutsidePrintableAsciiAndPercentAreEncoded() {
        assertEquals("name: is required (models/{model})", StatusMessages.encode("name: is required (models/{model})"));
        assertEquals("a+b*c~d 'e', [f]; g=h?&#@!$", StatusMessages.encode("a+b*c~d 'e', [f]; g=h?&#@!$"));
        assertEquals("100%25 caf%C3%A9 %00%0A%7F %F0%9F%98%80", StatusMessages.encode("100% café \u0000\n\u007f \ud83d\ude00"));
    }

    @Test
    void onTheVertxServerTheDescriptionTravelsEncodedInItsOwnTrailer() {
        StatusMessages m = new StatusMessages();
        Closed closed = new Closed();
        m.interceptCall(closed, new Metadata(), (call, headers) -> {
            call.close(Status.INVALID_ARGUMENT.withDescription("name: 'models/café' is not a resource name"), new Metadata());
            return new ServerCall.Listener<>() {};
        });
        assertEquals(Status.Code.INVALID_ARGUMENT, closed.status.getCode());
        assertNull(closed.status.getDescription());
        assertEquals("name: 'models/caf%C3%A9' is not a resource name", closed.trailers.get(StatusMessages.GRPC_MESSAGE));

        Closed ok = new Closed();
        m.interceptCall(ok, new Metadata(), (call, headers) -> {
            call.close(Status.OK, new Metadata());
            return new ServerCall.Listener<>() {};
        });
        assertSame(Status.OK, ok.status);
        assertNull(ok.trailers.get(StatusMessages.GRPC_MESSAGE));
    }

    @Test
    void theSeparateGrpcJavaServerEncodesItself() {
        StatusMessages m = new StatusMessages();
        m.separateServer = true;
        Closed closed = new Closed();
        Status status = Status.NOT_FOUND.withDescription("models/x not found");
        m.interceptCall(closed, new Metadata(), (call, headers) -> {
            call.close(status, new Metadata());
            return new ServerCall.Listener<>() {};
        });
        assertSame(status, closed.status);
        assertNull(closed.trailers.get(StatusMessages.GRPC_MESSAGE));
    }

    /** A call that records how it was closed. */
    private static final class Closed extends ServerCall<String, String> {
        private static final MethodDescriptor.Marshaller<String> STRINGS = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(String value) {
                return new ByteArrayInputStream(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }

            @Override
            public String parse(InputStream stream) {
                return "";
            }
        };
        Status status;
        Metadata trailers;

        @Override
        public void close(Status status, Metadata trailers) {
            this.status = status;
            this.trailers = trailers;
        }

        @Override
        public void request(int numMessages) {}

        @Override
        public void sendHeaders(Metadata headers) {}

        @Override
        public void sendMessage(String message) {}

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        public MethodDescriptor<String, String> getMethodDescriptor() {
            return MethodDescriptor.<String, String>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("test.Service/Call").setRequestMarshaller(STRINGS).setResponseMarshaller(STRINGS).build();
        }
    }
}
