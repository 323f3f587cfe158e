package org.streamail.core.internal.transform;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.delivery.MessageTransformer;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;

/**
 * Applies the bound {@link MessageTransformer} services to a message the policy lets through, in order of
 * {@code service.ranking} (highest first, then name). A failing transformer (whatever it throws, {@link Error}s
 * included), or one whose output is empty or too large, is skipped with a WARN (an ERROR for an Error): the policy
 * already decided to deliver, so the message goes on.
 *
 * <p>Thread-safe: the bound list is replaced copy-on-write and read as a snapshot.
 */
@Component(service = Transformers.class)
public class Transformers {

    private static final Logger LOG = LoggerFactory.getLogger(Transformers.class);

    private record Bound(MessageTransformer transformer, int ranking, long serviceId) {
    }

    private static final Comparator<Bound> ORDER = Comparator.comparingInt(Bound::ranking).reversed()
            .thenComparing(b -> safeName(b.transformer())).thenComparingLong(Bound::serviceId);

    private volatile List<Bound> bound = List.of();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    /** DS bind method; also how tests add a transformer. */
    public synchronized void addTransformer(MessageTransformer t, Map<String, Object> props) {
        List<Bound> next = new ArrayList<>(bound);
        next.add(new Bound(t, ranking(props), serviceId(props)));
        next.sort(ORDER);
        bound = List.copyOf(next);
    }

    /** DS unbind method. */
    public synchronized void removeTransformer(MessageTransformer t) {
        List<Bound> next = new ArrayList<>(bound);
        next.removeIf(b -> b.transformer() == t);
        bound = List.copyOf(next);
    }

    /** Names of the bound transformers, in the order they run. */
    public List<String> names() {
        return bound.stream().map(b -> safeName(b.transformer())).toList();
    }

    /**
     * What {@link #applyAll} did.
     *
     * @param raw      the transformed bytes, or the input itself (same array) when nothing changed
     * @param tooLarge the transformers whose output was larger than the bound (their input was kept)
     */
    public record Result(byte[] raw, List<String> tooLarge) {
        public Result {
            tooLarge = List.copyOf(tooLarge);
        }
    }

    /**
     * Runs every transformer over {@code raw}.
     *
     * @return the transformed bytes, or {@code raw} itself (same array) when nothing changed
     */
    public byte[] apply(String id, Envelope envelope, Verdict verdict, byte[] raw, long maxBytes) {
        return applyAll(id, envelope, verdict, raw, maxBytes).raw();
    }

    /**
     * Runs every transformer over {@code raw}, and says which of them could not apply within {@code maxBytes}: the
     * intake holds such a message rather than deliver it unprotected (a sender padding a lure to just under the
     * size limit would otherwise get its links past the link guard).
     */
    public Result applyAll(String id, Envelope envelope, Verdict verdict, byte[] raw, long maxBytes) {
        List<Bound> snapshot = bound;
        if (snapshot.isEmpty()) {
            return new Result(raw, List.of());
        }
        List<String> tooLarge = new ArrayList<>();
        Content original = Content.of(raw);
        Content current = original;
        for (Bound b : snapshot) {
            String name = safeName(b.transformer());
            try {
                Content out = b.transformer().transform(new Transformation(id, envelope, verdict, current));
                if (out == null || out.size() == 0) {
                    LOG.warn("Transformer {} returned nothing for {}; keeping its input", name, id);
                } else if (out.size() > maxBytes) {
                    LOG.warn("Transformer {} made {} too large ({} > {} bytes); keeping its input", name, id,
                            out.size(), maxBytes);
                    tooLarge.add(name);
                } else {
                    current = out;
                }
            } catch (Exception | LinkageError e) {
                // LinkageError: the transformer's bundle is being updated under us.
                LOG.warn("Transformer {} failed on {}; delivering without it: {}", name, id, e.toString());
            } catch (Error e) {
                // A StackOverflowError on deeply nested input, an OutOfMemoryError on a huge part: the same, but at
                // ERROR with its trace. Let through, it stranded the message in the spool until the next restart.
                LOG.error("Transformer {} failed on {}; delivering without it", name, id, e);
            }
        }
        return new Result(current == original || current.equals(original) ? raw : current.toByteArray(), tooLarge);
    }

    private static String safeName(MessageTransformer t) {
        try {
            return String.valueOf(t.name());
        } catch (RuntimeException e) {
            return t.getClass().getName();
        }
    }

    private static int ranking(Map<String, Object> props) {
        return props.get(Constants.SERVICE_RANKING) instanceof Integer i ? i : 0;
    }

    private static long serviceId(Map<String, Object> props) {
        return props.get(Constants.SERVICE_ID) instanceof Long l ? l : 0L;
    }
}
