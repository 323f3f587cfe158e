package org.streamail.rest.internal.json;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.streamail.api.service.StatusReport;

/**
 * The gateway's status in the Prometheus text exposition format (version 0.0.4), for {@code GET /metrics}: what
 * {@code GET /health} says, as numbers a monitoring system scrapes, graphs and alerts on (Prometheus, and the many
 * tools that read its format: Grafana Agent, VictoriaMetrics, Zabbix, Netdata, Telegraf).
 *
 * <p>The counters are the core's since its start ({@link StatusReport#counters()}): a restart sets them back to 0,
 * which Prometheus's {@code rate()} and {@code increase()} read as a reset. The known counter names get metrics of
 * their own, with the action or delivery result as a label; a name this class does not know (a later core's) is
 * still exported, as {@code streamail_events_total{event="<name>"}}, so nothing the core counts is hidden.
 * Label values are escaped as the format asks ({@code \\}, {@code \"}, {@code \n}); names come from the gateway, never
 * from a request.
 */
public final class MetricsText {

    /** The content type Prometheus asks for with this format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** The verdict actions, counted by the intake under their own names. */
    private static final Set<String> ACTIONS = Set.of("DELIVER", "TAG", "QUARANTINE", "REJECT");
    /** The delivery results, counted by the delivery under their own names. */
    private static final Set<String> DELIVERY = Set.of("delivered", "deferred", "failed");

    private MetricsText() {
    }

    /** The exposition of {@code report}. */
    public static String of(StatusReport report) {
        StringBuilder b = new StringBuilder(2048);
        gauge(b, "streamail_ready", "Whether the gateway accepts mail now (1) or not (0); GET /health says why not.",
                report.ready() ? 1 : 0);
        gauge(b, "streamail_spooled_messages", "Messages in the spool not yet finished.", report.spooled());
        gauge(b, "streamail_deferred_messages", "Messages waiting for a delivery retry.", report.deferred());
        gauge(b, "streamail_problems",
                "Streamail components that failed to activate (GET /health lists them); mail flows without them.",
                report.problems().size());
        header(b, "streamail_detector_bound", "gauge",
                "Detectors bound now (1), and those the policy requires that are missing (0).");
        Set<String> detectors = new TreeSet<>(report.detectors());
        detectors.addAll(report.mandatory());
        for (String d : detectors) {
            b.append("streamail_detector_bound{detector=\"").append(label(d)).append("\",mandatory=\"")
                    .append(report.mandatory().contains(d)).append("\"} ")
                    .append(report.detectors().contains(d) ? 1 : 0).append('\n');
        }
        if (report.startedAt() != null) {
            header(b, "streamail_start_time_seconds", "gauge", "When the core started, in seconds since the epoch.");
            b.append("streamail_start_time_seconds ").append(report.startedAt().getEpochSecond()).append('\n');
        }
        Map<String, Long> counters = report.counters();
        List<String> names = new ArrayList<>(new TreeSet<>(counters.keySet()));
        counter(b, counters, "received", "streamail_received_messages_total",
                "Messages read and spooled, before their verdict, since the core started.");
        counter(b, counters, "tempfail", "streamail_tempfailed_messages_total",
                "Messages read and then answered 451 (the spool failing, a mandatory detector gone) since the core"
                        + " started; refusals before DATA are not counted.");
        counter(b, counters, "late", "streamail_late_verdicts_total",
                "Messages accepted before their scan ended (it ran past the SMTP budget) since the core started.");
        labelled(b, counters, names, ACTIONS, "streamail_verdicts_total", "action",
                "Verdicts since the core started, by action.");
        labelled(b, counters, names, DELIVERY, "streamail_delivery_total", "result",
                "Messages delivered or refused for good by the next hop (failed), and attempts deferred for a retry,"
                        + " since the core started.");
        boolean first = true;
        for (String n : names) {
            if (n.equals("received") || n.equals("tempfail") || n.equals("late") || ACTIONS.contains(n)
                    || DELIVERY.contains(n)) {
                continue;
            }
            if (first) {
                header(b, "streamail_events_total", "counter", "Other counts the core keeps since it started, by name.");
                first = false;
            }
            b.append("streamail_events_total{event=\"").append(label(n)).append("\"} ").append(counters.get(n))
                    .append('\n');
        }
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, long value) {
        header(b, name, "gauge", help);
        b.append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder b, Map<String, Long> counters, String key, String name, String help) {
        Long v = counters.get(key);
        if (v != null) {
            header(b, name, "counter", help);
            b.append(name).append(' ').append(v).append('\n');
        }
    }

    private static void labelled(StringBuilder b, Map<String, Long> counters, List<String> names, Set<String> keys,
            String name, String label, String help) {
        boolean first = true;
        for (String n : names) {
            if (!keys.contains(n)) {
                continue;
            }
            if (first) {
                header(b, name, "counter", help);
                first = false;
            }
            b.append(name).append('{').append(label).append("=\"").append(label(n.toLowerCase(Locale.ROOT)))
                    .append("\"} ").append(counters.get(n)).append('\n');
        }
    }

    private static void header(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** A label value as the format writes it: backslash, double quote and line feed escaped. */
    static String label(String value) {
        StringBuilder b = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
