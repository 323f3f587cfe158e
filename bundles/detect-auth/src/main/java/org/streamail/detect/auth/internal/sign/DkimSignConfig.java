package org.streamail.detect.auth.internal.sign;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of DKIM signing of outbound mail (PID {@value #PID}). */
@ObjectClassDefinition(name = "Streamail DKIM signing",
        description = "Signs outbound mail with DKIM (RFC 6376) as it leaves, after the gateway has hidden the inside")
public @interface DkimSignConfig {

    String PID = "org.streamail.dkim.sign";

    @AttributeDefinition(description = "Sign outbound mail (false: nothing is signed, and delivery is not asked)")
    boolean enabled() default false;

    @AttributeDefinition(description = "Signing keys, comma-separated domain:selector:/absolute/path/to/key.pem, one per"
            + " domain, or two (one RSA and one Ed25519 key, each under its own selector: the domain's mail gets both"
            + " signatures): a PKCS#8 PEM file (RSA of 2048 to 4096 bits, or Ed25519) of mode 600 or 400"
            + " (streamail:dkim-keygen makes one). Mail is signed for the From domain, or its closest parent domain with"
            + " a key")
    String keys() default "";

    @AttributeDefinition(description = "Header fields to sign (h=), comma-separated; each as often as the message has"
            + " it. Must include from")
    String headers() default "from,to,cc,subject,date,message-id,in-reply-to,references,reply-to,mime-version,"
            + "content-type,content-transfer-encoding,list-unsubscribe,list-unsubscribe-post,list-id";

    @AttributeDefinition(description = "Header fields signed once more than present, so that none can be added on the"
            + " way without breaking the signature; each must be in headers")
    String oversign() default "from,to,cc,subject,date,reply-to";

    @AttributeDefinition(description = "Canonicalization header/body: relaxed/relaxed (default), relaxed/simple,"
            + " simple/relaxed or simple/simple")
    String canonicalization() default "relaxed/relaxed";

    @AttributeDefinition(description = "How long a signature is valid (x=), ISO-8601 duration from PT1H to P366D, e.g."
            + " P7D; empty: no expiry")
    String expiry() default "";
}
