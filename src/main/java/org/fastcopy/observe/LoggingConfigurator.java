package org.fastcopy.observe;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's start-up hook (META-INF/services): logging is configured by {@link Logging} in the
 * format FASTCOPY_LOG_FORMAT names, so the lines written before the command line is parsed are in
 * it too, and no logback.xml is looked for.
 */
public final class LoggingConfigurator extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        Logging.configure(context, LogFormat.fromEnvironment(System.getenv()));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
