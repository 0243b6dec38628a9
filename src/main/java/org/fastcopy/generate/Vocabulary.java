package org.fastcopy.generate;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Words the generated MTT data is made of: the sites, machines, compilers, branches and tests of
 * the Open MPI testing community. Some are deliberately non-ASCII (Müller, 東京, ñ) because
 * production holds such text, and a copy that mangles encodings must show it.
 */
final class Vocabulary {
    static final String[] ORGS = {"IU", "Cisco", "Sun", "IBM", "HLRS", "LANL", "ORNL", "Sandia", "Myricom",
        "QLogic", "Mellanox", "Voltaire", "Chelsio", "UTK", "UH", "Absoft", "Bull", "Fujitsu", "東京工業大学",
        "Universität Stuttgart", "Barcelona Supercomputación", "INRIA", "NVIDIA", "Intel", "Oracle", "Cray",
        "Jülich", "RIKEN 理研", "CSCS Zürich", "Université de Rennes"};
    static final String[] MACHINES = {"Odin", "Thor", "BigRed", "svbu-mpi", "Jaguar", "RoadRunner", "Red Storm",
        "Nehalem", "Westmere", "Sandy Bridge", "Opteron", "Niagara", "BlueGene/P", "Power7", "Itanium", "Xeon Phi",
        "TSUBAME", "MareNostrum", "Hermit", "Titan", "Kraken", "Ranger", "Lonestar", "Juropa"};
    static final String[] HARDWARE = {"x86_64", "i686", "ppc64", "sparc64", "ia64", "aarch64", "armv7l"};
    static final String[] PLATFORM_TYPES = {"linux-gnu", "solaris2.10", "aix5.3", "darwin10", "freebsd8",
        "linux-rhel5-x86_64", "linux-sles10-ppc64"};
    static final String[] OS_NAMES = {"Linux", "SunOS", "AIX", "Darwin", "FreeBSD"};
    static final String[] OS_VERSIONS = {"2.6.9-42.ELsmp", "2.6.18-92.el5", "2.6.16.60-0.21-smp",
        "2.6.32-431.el6.x86_64", "3.0.13-0.27-default", "3.10.0-123.el7.x86_64", "5.10", "5.11", "10.8.0",
        "8.2-RELEASE"};
    static final String[] USERS = {"mtt", "jsquyres", "emallove", "rhc", "bosilca", "hjelmn", "miked",
        "tdd", "müller", "josé", "ñandú", "たなか", "brbarret", "gouaillardet", "rolfv", "adrian"};
    static final String[] HTTP_USERS = {"cisco", "iu", "sun", "ibm", "hlrs", "lanl", "ornl", "sandia", "myri",
        "qlogic", "mellanox", "utk", "uh", "absoft", "bull", "riken", "jülich", "東京"};
    static final String[] CLIENT_VERSIONS = {"2.0", "2.1", "2.1.1", "2.2", "3.0.0", "3.0.1", "3.0.2"};
    static final String[] COMPILERS = {"gnu", "intel", "pgi", "sun", "absoft", "pathscale", "ibm", "clang",
        "cray", "open64", "nag", "llvm"};
    static final String[] BRANCHES = {"ompi-nightly-v1.2", "ompi-nightly-v1.3", "ompi-nightly-trunk",
        "ompi-nightly-v1.4", "ompi-nightly-v1.5", "ompi-nightly-v1.6", "ompi-nightly-v1.7", "ompi-nightly-v1.8",
        "ompi-nightly-master", "ompi-release-v1.8", "mpich2-trunk", "mvapich2"};
    static final String[] CONFIGURE_FLAGS = {"--enable-debug", "--disable-dlopen", "--with-openib=/usr",
        "--enable-mpi-thread-multiple", "--with-slurm", "--with-tm=/opt/torque", "--enable-heterogeneous",
        "--with-psm", "--enable-mpi-java", "--with-cuda=/usr/local/cuda", "--disable-mpi-f77",
        "--enable-picky", "--with-memory-manager=none", "--enable-static --disable-shared", "CFLAGS=-m64",
        "CC=icc CXX=icpc FC=ifort", "--with-knem=/opt/knem", "--with-hwloc=internal", "--enable-oshmem"};
    static final String[] INTERCONNECTS = {"tcp", "sm", "openib", "psm", "mx", "gm", "udapl", "vader", "usnic",
        "ofi", "ucx", "portals4", "self"};
    static final String[] LAUNCHERS = {"mpirun", "mpiexec", "orterun", "srun", "aprun", "mpirun_rsh"};
    static final String[] RESOURCE_MANAGERS = {"slurm", "torque", "sge", "loadleveler", "rsh", "alps", "lsf"};
    static final String[] MCA_PARAMS = {"--mca btl openib,sm,self", "--mca btl tcp,self", "--mca btl sm,self",
        "--bind-to core", "--map-by socket", "--mca mpi_leave_pinned 1", "--mca coll ^tuned",
        "--mca pml ob1", "--mca pml cm --mca mtl psm", "--mca btl_tcp_if_include eth0", "-x LD_LIBRARY_PATH",
        "--oversubscribe", "--mca orte_base_help_aggregate 0"};
    static final String[] TEST_WORDS = {"allreduce", "alltoall", "alltoallv", "bcast", "barrier", "ring",
        "hello", "reduce_scatter", "gather", "scatter", "sendrecv", "isend", "irecv", "probe", "cancel", "spawn",
        "comm_split", "win_fence", "put", "get", "accumulate", "datatype", "attr", "errhandler", "cart", "graph",
        "info", "file_open", "io_write", "init_thread", "finalize", "abort", "intercomm", "group", "keyval",
        "waitall", "testany", "pack", "unpack", "exscan", "scan", "ssend", "bsend", "rsend", "lock", "unlock"};
    static final String[] WORLD_GREETINGS = {"Hello, world", "Grüße aus Stuttgart", "こんにちは 東京",
        "Hola, año nuevo: ñ", "Bonjour, Université"};

    /**
     * The suites of production, name and whether it measures performance (those rows point at a
     * performance row) and how much of the testing it is.
     */
    record Suite(String name, String description, boolean performance, int weight) {
    }

    static final List<Suite> SUITES = List.of(
            new Suite("trivial", "Trivial hello world and ring tests", false, 10),
            new Suite("ibm", "IBM test suite: point-to-point, collectives, topologies", false, 30),
            new Suite("intel", "Intel MPI-1 and MPI-2 conformance tests", false, 30),
            new Suite("imb", "Intel MPI Benchmarks (PingPong, Sendrecv, collectives)", true, 6),
            new Suite("netpipe", "NetPIPE bandwidth and latency sweep", true, 3),
            new Suite("osu", "OSU micro-benchmarks", true, 4),
            new Suite("skampi", "SKaMPI benchmark", true, 2),
            new Suite("onesided", "One-sided communication (MPI-2 RMA)", false, 6),
            new Suite("mpicxx", "C++ bindings tests", false, 4),
            new Suite("java", "Java bindings tests", false, 3),
            new Suite("orte", "Run-time environment tests", false, 5),
            new Suite("cxx_test_suite", "C++ test suite from LAM/MPI", false, 3),
            new Suite("mpi_test_suite", "MPI test suite of HLRS (Universität Stuttgart)", false, 8),
            new Suite("nbc", "Non-blocking collectives (libNBC)", false, 3),
            new Suite("romio", "ROMIO MPI-IO tests", false, 3),
            new Suite("hdf5", "HDF5 parallel tests", false, 2),
            new Suite("blacs", "BLACS tester", false, 2),
            new Suite("ompi_tests", "Open MPI internal tests", false, 4),
            new Suite("mpich_tests", "MPICH test suite", false, 6),
            new Suite("sun_tests", "Sun HPC ClusterTools tests", false, 2),
            new Suite("iu_tests", "Indiana University tests", false, 2),
            new Suite("ft_tests", "Fault tolerance and checkpoint/restart tests", false, 2),
            new Suite("spawn", "Dynamic process tests", false, 2),
            new Suite("oshmem", "OpenSHMEM tests", false, 2));

    private Vocabulary() {
    }

    /** A uniform pick. */
    static String pick(SplittableRandom rng, String[] words) {
        return words[rng.nextInt(words.length)];
    }

    /**
     * A skewed pick of 1..n: low ids come up far more often, as a few big sites submit most results.
     */
    static int skewed(SplittableRandom rng, int n) {
        double u = rng.nextDouble();
        return 1 + (int) (n * u * u * u);
    }
}
