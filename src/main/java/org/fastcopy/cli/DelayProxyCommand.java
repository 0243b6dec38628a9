package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.netdelay.DelayProxy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code fastcopy delay-proxy}: a latency stand-in for benchmarks and rehearsals. Runs until
 * interrupted (SIGINT/SIGTERM), then cuts its connections.
 */
@Command(name = "delay-proxy",
        usageHelpWidth = 110,
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description = {"Relays TCP connections from a loopback port to a loopback server, holding every chunk --delay "
                + "in each direction (in order, without limiting throughput): a network round trip of twice the delay, "
                + "for benchmarks on machines without netem. Runs until SIGINT or SIGTERM.",
                "It prints one line, 'delay-proxy: listening on HOST:PORT', once it accepts connections, and "
                        + "'delay-proxy: idle: N turns over C closed connections (per application_name)' each time its last "
                        + "open connection closes: running totals of round trips (client bytes, then server bytes)."},
        footer = {"", "Examples:",
                "  fastcopy delay-proxy --to 127.0.0.1:5432 --listen 127.0.0.1:6432 --delay 1ms",
                "  fastcopy delay-proxy --to 127.0.0.1:5432 --delay 0.25ms      # a free port, printed"})
public final class DelayProxyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--to", paramLabel = "HOST:PORT", required = true,
            description = "The server to relay to (a loopback address).")
    String to;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
            description = "Where to accept connections (a loopback address; port 0 picks a free one).")
    String listen;

    @Option(names = "--delay", paramLabel = "TIME", defaultValue = "1ms",
            description = "How long each chunk is held in each direction: 500us, 0.25ms, 1ms, 2ms, 0.01s.")
    String delay;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Duration held = parseDelay(delay);
        InetSocketAddress target = parseAddress("--to", to);
        InetSocketAddress at = parseAddress("--listen", listen);
        PrintWriter out = spec.commandLine().getOut();
        DelayProxy proxy;
        try {
            // Running totals each time no connection is open, i.e. between two runs of a tool:
            // a run's round trips are the difference of the lines before and after it.
            proxy = DelayProxy.start(at, target, held, turns -> {
                synchronized (out) {
                    out.println("delay-proxy: idle: " + turns.summary());
                    out.flush();
                }
            });
        } catch (IllegalArgumentException | IOException e) {
            throw new FastcopyException(FastcopyException.USAGE, "delay-proxy: " + e.getMessage());
        }
        out.println("delay-proxy: listening on " + proxy.address().getAddress().getHostAddress() + ":" + proxy.port()
                + ", relaying to " + target.getAddress().getHostAddress() + ":" + target.getPort() + ", "
                + held.toNanos() / 1e6 + " ms each way");
        out.flush();
        try {
            // The command's thread only waits; SignalStop interrupts it on SIGINT/SIGTERM.
            Thread.sleep(Long.MAX_VALUE);
            return 0;
        } finally {
            proxy.close();
        }
    }

    static Duration parseDelay(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        double factorNanos;
        String number;
        if (t.endsWith("us")) {
            factorNanos = 1e3;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("ms")) {
            factorNanos = 1e6;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            factorNanos = 1e9;
            number = t.substring(0, t.length() - 1);
        } else {
            throw new FastcopyException(FastcopyException.USAGE,
                    "--delay " + text + ": give a unit, as in 500us, 1ms or 0.01s");
        }
        double value;
        try {
            value = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new FastcopyException(FastcopyException.USAGE, "--delay " + text + ": not a number before the unit");
        }
        if (!(value >= 0) || value * factorNanos > 60e9) {
            throw new FastcopyException(FastcopyException.USAGE, "--delay " + text + ": must be between 0 and 60s");
        }
        return Duration.ofNanos(Math.round(value * factorNanos));
    }

    static InetSocketAddress parseAddress(String option, String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new FastcopyException(FastcopyException.USAGE, option + " " + text + ": expected HOST:PORT");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new FastcopyException(FastcopyException.USAGE, option + " " + text + ": the port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new FastcopyException(FastcopyException.USAGE, option + " " + text + ": the port must be 0-65535");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new FastcopyException(FastcopyException.USAGE, option + " " + text + ": host " + host + " does not resolve");
        }
        return address;
    }
}
