package org.fastcopy.cli;

import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest (set by Maven), "dev" when run from classes. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"fastcopy " + (v == null ? "dev" : v)};
    }
}
