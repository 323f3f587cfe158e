package org.streamail.linkguard.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** Settings with the configuration defaults, for tests. */
final class TestSettings {

    private TestSettings() {
    }

    static Settings defaults(Path keyFile) {
        return new Settings(true, "http://gw.example:8181", keyFile, Set.of(), List.of(), 5.0, Duration.ofSeconds(30),
                false, true, true, true, 500, true, false, true);
    }

    static Settings withProxies(Settings s, String proxies) {
        return new Settings(s.enabled(), s.baseUrl(), s.keyFile(), s.exemptDomains(), Settings.proxies(proxies),
                s.blockScore(), s.verdictCache(), s.failOpen(), s.isolateOnBlock(), s.recallOnBlock(),
                s.recordCleanClicks(), s.maxLinks(), s.rewriteAttachments(), s.rewriteSigned(), s.rewriteDocuments());
    }

    static Settings withFailOpen(Settings s, boolean failOpen) {
        return new Settings(s.enabled(), s.baseUrl(), s.keyFile(), s.exemptDomains(), s.trustedProxies(),
                s.blockScore(), s.verdictCache(), failOpen, s.isolateOnBlock(), s.recallOnBlock(),
                s.recordCleanClicks(), s.maxLinks(), s.rewriteAttachments(), s.rewriteSigned(), s.rewriteDocuments());
    }

    static Settings withRewriteAttachments(Settings s, boolean rewriteAttachments) {
        return new Settings(s.enabled(), s.baseUrl(), s.keyFile(), s.exemptDomains(), s.trustedProxies(),
                s.blockScore(), s.verdictCache(), s.failOpen(), s.isolateOnBlock(), s.recallOnBlock(),
                s.recordCleanClicks(), s.maxLinks(), rewriteAttachments, s.rewriteSigned(), s.rewriteDocuments());
    }

    static Settings withRewriteSigned(Settings s, boolean rewriteSigned) {
        return new Settings(s.enabled(), s.baseUrl(), s.keyFile(), s.exemptDomains(), s.trustedProxies(),
                s.blockScore(), s.verdictCache(), s.failOpen(), s.isolateOnBlock(), s.recallOnBlock(),
                s.recordCleanClicks(), s.maxLinks(), s.rewriteAttachments(), rewriteSigned, s.rewriteDocuments());
    }

    static Settings disabled(Settings s) {
        return new Settings(false, s.baseUrl(), s.keyFile(), s.exemptDomains(), s.trustedProxies(),
                s.blockScore(), s.verdictCache(), s.failOpen(), s.isolateOnBlock(), s.recallOnBlock(),
                s.recordCleanClicks(), s.maxLinks(), s.rewriteAttachments(), s.rewriteSigned(), s.rewriteDocuments());
    }

    static Settings withRewriteDocuments(Settings s, boolean rewriteDocuments) {
        return new Settings(s.enabled(), s.baseUrl(), s.keyFile(), s.exemptDomains(), s.trustedProxies(),
                s.blockScore(), s.verdictCache(), s.failOpen(), s.isolateOnBlock(), s.recallOnBlock(),
                s.recordCleanClicks(), s.maxLinks(), s.rewriteAttachments(), s.rewriteSigned(), rewriteDocuments);
    }
}
