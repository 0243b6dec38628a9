package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.EndpointResolver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every refusal of a plan names the file and the line, exit 2, before anything runs. */
class PlanParserTest {
    @TempDir
    Path dir;

    /** Line numbers below refer to this text. */
    static final String VALID = """
            # a plan
            [servers]
            production = host=127.0.0.1 port=5601 user=mtt
            flux1 = host=127.0.0.1 port=5602 user=mtt
            flux2 = host=127.0.0.1 port=5603 user=mtt

            [databases]
            v3 = mttv3
            flat = mttflat

            [service]
            conf = mtt.conf
            section = mttflat
            host-key = server

            [run]
            state-dir = state
            copy-jobs = 3
            drop-flux2-copies = no
            notify = echo hi
            """;

    @BeforeEach
    void serviceConf() throws IOException {
        Files.writeString(dir.resolve("mtt.conf"), "[mttflat]\ntype: postgres\nserver: 127.0.0.1\nport: 5602\n");
    }

    @Test
    void shouldReadAValidPlanWithDefaultsAndPathsRelativeToThePlan() throws IOException {
        MigratePlan plan = parse(VALID);
        assertThat(plan.flux1().port()).isEqualTo(5602);
        assertThat(plan.production().port()).isEqualTo(5601);
        assertThat(plan.v3Database()).isEqualTo("mttv3");
        assertThat(plan.service().conf()).isEqualTo(dir.resolve("mtt.conf"));
        assertThat(plan.service().hostKey()).isEqualTo("server");
        assertThat(plan.service().portKey()).isEqualTo("port");
        assertThat(plan.service().flux2()).isEqualTo(new ServiceConf.Address("127.0.0.1", 5603));
        assertThat(plan.stateDir()).isEqualTo(dir.resolve("state"));
        assertThat(plan.copyJobs()).isEqualTo(3);
        assertThat(plan.convertJobs()).isEqualTo(4);
        assertThat(plan.dropFlux2Copies()).isFalse();
        assertThat(plan.notifyCommand()).isEqualTo("echo hi");
        assertThat(plan.notifyTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void shouldRefuseAnUnknownKeyWithItsLine() throws IOException {
        assertRefused(VALID.replace("copy-jobs = 3", "copy-jobz = 3"), 18, "unknown key 'copy-jobz' in [run]");
    }

    @Test
    void shouldRefuseAnUnknownSectionWithItsLine() throws IOException {
        assertRefused(VALID.replace("[run]", "[runs]"), 16, "unknown section [runs]");
    }

    @Test
    void shouldRefuseAMissingSectionAtTheEndOfTheFile() throws IOException {
        String noService = VALID.replace("[service]\nconf = mtt.conf\nsection = mttflat\nhost-key = server\n", "");
        assertRefused(noService, 16, "section [service] is missing");
    }

    @Test
    void shouldRefuseAMissingRequiredKeyAtItsSection() throws IOException {
        assertRefused(VALID.replace("flux2 = host=127.0.0.1 port=5603 user=mtt\n", ""), 2, "[servers] has no 'flux2'");
    }

    @Test
    void shouldRefuseAHostThatDoesNotResolve() throws IOException {
        assertRefused(VALID.replace("host=127.0.0.1 port=5603", "host=no-such-host.invalid port=5603"), 5,
                "flux2: host 'no-such-host.invalid' does not resolve");
    }

    @Test
    void shouldRefuseAMissingServiceConf() throws IOException {
        assertRefused(VALID.replace("conf = mtt.conf", "conf = missing.conf"), 12, "does not exist");
    }

    @Test
    void shouldRefuseAServiceConfWithoutTheSection() throws IOException {
        assertRefused(VALID.replace("section = mttflat", "section = other"), 13, "has no [other] section");
    }

    @Test
    void shouldRefuseTheSameServerTwice() throws IOException {
        assertRefused(VALID.replace("port=5603", "port=5602"), 5, "flux2 is the same server as flux1");
    }

    @Test
    void shouldRefuseAKeySetTwiceNamingTheFirst() throws IOException {
        assertRefused(VALID.replace("copy-jobs = 3", "copy-jobs = 3\ncopy-jobs = 5"), 19, "first on line 18");
    }

    @Test
    void shouldRefuseABadValueNamingTheKey() throws IOException {
        assertRefused(VALID.replace("drop-flux2-copies = no", "drop-flux2-copies = maybe"), 19,
                "drop-flux2-copies must be yes or no");
        assertRefused(VALID.replace("copy-jobs = 3", "copy-jobs = 0"), 18, "copy-jobs must be a whole number");
    }

    @Test
    void shouldRefuseALineThatIsNeitherSectionNorKeyWithoutEchoingIt() throws IOException {
        FastcopyException e = refusal(VALID.replace("v3 = mttv3", "password: hunter2\nv3 = mttv3"));
        assertThat(e.getMessage()).contains(":8: expected [section] or key = value").doesNotContain("hunter2");
    }

    @Test
    void shouldRefuseAPasswordInAnEndpoint() throws IOException {
        FastcopyException e = refusal(VALID.replace("port=5601 user=mtt", "port=5601 user=mtt password=hunter2"));
        assertThat(e.getMessage()).startsWith(dir.resolve("plan.conf") + ":3: production:").doesNotContain("hunter2");
    }

    @Test
    void theShippedExamplePlanIsWellFormedAndOnlyItsExampleHostsAreRefused() {
        // conf/migrate.conf names example.org hosts: parsing gets as far as resolving them.
        Path shipped = Path.of("conf", "migrate.conf");
        FastcopyException e = catchThrowableOfType(() -> PlanParser.parse(shipped, PlanParserTest::resolver),
                FastcopyException.class);
        assertThat(e.exitCode()).isEqualTo(FastcopyException.USAGE);
        assertThat(e.getMessage()).matches(java.util.regex.Pattern.quote(shipped.toString())
                + ":\\d+: (production|flux1|flux2): host '.*example\\.org' does not resolve");
    }

    private MigratePlan parse(String text) throws IOException {
        Path plan = dir.resolve("plan.conf");
        Files.writeString(plan, text);
        return PlanParser.parse(plan, PlanParserTest::resolver);
    }

    private FastcopyException refusal(String text) throws IOException {
        Path plan = dir.resolve("plan.conf");
        Files.writeString(plan, text);
        FastcopyException e = catchThrowableOfType(() -> PlanParser.parse(plan, PlanParserTest::resolver),
                FastcopyException.class);
        assertThat(e).as("refused").isNotNull();
        assertThat(e.exitCode()).isEqualTo(FastcopyException.USAGE);
        assertThat(e.getMessage()).doesNotContain("\n");
        return e;
    }

    @Test
    void shouldReadFollowAndEndAndRefuseAnEndThatIsNeither() throws IOException {
        MigratePlan plain = parse(VALID);
        assertThat(plain.follow()).as("follow by default").isFalse();
        assertThat(plain.endInFollow()).as("end = watermark by default").isFalse();
        MigratePlan following = parse(VALID.replace("drop-flux2-copies = no", "drop-flux2-copies = no\nfollow = yes\nend = follow"));
        assertThat(following.follow()).isTrue();
        assertThat(following.endInFollow()).isTrue();
        assertRefused(VALID.replace("drop-flux2-copies = no", "drop-flux2-copies = no\nend = forever"), 20,
                "end must be watermark or follow, not 'forever'");
    }

    private void assertRefused(String text, int line, String what) throws IOException {
        FastcopyException e = refusal(text);
        assertThat(e.getMessage()).startsWith(dir.resolve("plan.conf") + ":" + line + ": ").contains(what);
    }

    static EndpointResolver resolver(List<Path> files) {
        return new EndpointResolver(Map.of(), null, files, List.of(), "mtt");
    }
}
