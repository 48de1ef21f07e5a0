package dev.sculptor.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** The loopback address every part listens on, and the port questions asked about it. */
public final class Loopback {
    /** Every part binds here only: nothing of the embedded infrastructure is reachable from another machine. */
    public static final String HOST = "127.0.0.1";

    private Loopback() {}

    /** A port free right now. It may be taken before it is bound again; the parts retry on fresh ports. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** True when something accepts connections on the port within {@code timeoutMs}. */
    public static boolean listening(int port, int timeoutMs) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), timeoutMs);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** True when nothing listens on the port and it can be bound on {@link #HOST} (as the parts will). */
    public static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(HOST, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
