package org.streamail.shell.internal;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Map;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Session;

/**
 * Minimal Karaf session and command line for tests: dynamic proxies answering the few methods the commands
 * use and failing loudly on any other.
 */
final class ShellFakes {

    private ShellFakes() {
    }

    static Session session(Map<String, Object> variables, Path currentDir) {
        return (Session) Proxy.newProxyInstance(ShellFakes.class.getClassLoader(), new Class<?>[] {Session.class},
                (p, m, args) -> switch (m.getName()) {
                    case "get" -> variables.get((String) args[0]);
                    case "currentDir" -> currentDir;
                    case "toString" -> "FakeSession";
                    default -> throw new UnsupportedOperationException("session." + m.getName());
                });
    }

    /** A command line whose cursor is at the end of {@code typed}, the argument being completed. */
    static CommandLine typing(String typed) {
        return (CommandLine) Proxy.newProxyInstance(ShellFakes.class.getClassLoader(),
                new Class<?>[] {CommandLine.class}, (p, m, args) -> switch (m.getName()) {
                    case "getCursorArgument" -> typed;
                    case "getArgumentPosition" -> typed.length();
                    case "getBufferPosition" -> typed.length();
                    case "getCursorArgumentIndex" -> 1;
                    case "getArguments" -> new String[] {"cmd", typed};
                    case "getBuffer" -> "cmd " + typed;
                    case "toString" -> "FakeCommandLine";
                    default -> throw new UnsupportedOperationException("commandLine." + m.getName());
                });
    }
}
