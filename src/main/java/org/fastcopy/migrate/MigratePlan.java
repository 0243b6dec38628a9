package org.fastcopy.migrate;

import org.fastcopy.endpoint.Endpoint;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One migration plan, parsed and checked by {@link PlanParser} before anything runs. Immutable.
 *
 * @param file            the plan file (for the ledger and the report)
 * @param production      the production server (source of phase 3)
 * @param flux1           the main server: its v3 is refreshed and its flat rebuilt
 * @param flux2           the stand-in server the service uses while flux1 converts
 * @param v3Database      the v3 database, named the same on all three servers
 * @param flatDatabase    the flat database on flux1 and flux2
 * @param service         the service's conf file and what to write into it
 * @param copyJobs        parallel COPY streams of phases 1 and 3
 * @param convertJobs     parallel range workers of phase 4
 * @param dropFlux2Copies whether phase 7 drops the copies on flux2
 * @param notifyCommand   a /bin/sh command run on each phase event; null for none
 * @param notifyTimeout   how long one notification may take before it is killed
 * @param stateDir        where the phase ledger, the reports and the copies' work files go
 * @param follow          phase 1's copies follow flux1 until phase 2 cuts them over, just before it
 *                        repoints the service (docs/migrate.md, "Following")
 * @param endInFollow     {@code end = follow}: phase 8 starts {@code convert --follow} on flux1
 *                        instead of recording a watermark for the next incremental run
 */
public record MigratePlan(Path file, Endpoint production, Endpoint flux1, Endpoint flux2, String v3Database,
                          String flatDatabase, ServiceTarget service, int copyJobs, int convertJobs,
                          boolean dropFlux2Copies, String notifyCommand, Duration notifyTimeout, Path stateDir,
                          boolean follow, boolean endInFollow) {

    /**
     * The service's conf file: the {@code [section]} whose {@code hostKey}/{@code portKey} lines are
     * rewritten to {@code flux1Host}/{@code flux1Port} or {@code flux2Host}/{@code flux2Port}.
     * The hosts written may differ from how fastcopy reaches the servers (a tunnel, an alias).
     */
    public record ServiceTarget(Path conf, String section, String hostKey, String portKey, String flux1Host,
                                int flux1Port, String flux2Host, int flux2Port) {
        public ServiceConf.Address flux1() {
            return new ServiceConf.Address(flux1Host, flux1Port);
        }

        public ServiceConf.Address flux2() {
            return new ServiceConf.Address(flux2Host, flux2Port);
        }
    }

    public MigratePlan withNotifyCommand(String command) {
        return new MigratePlan(file, production, flux1, flux2, v3Database, flatDatabase, service, copyJobs, convertJobs,
                dropFlux2Copies, command, notifyTimeout, stateDir, follow, endInFollow);
    }
}
