package org.fastcopy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Arrows between org.fastcopy's packages point one way only: a stage never reaches back into a
 * package that uses it, so each package can be read, tested and changed from the bottom up.
 */
class PackageGraphTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("org.fastcopy");

    @Test
    void packagesShouldBeFreeOfCycles() {
        slices().matching("org.fastcopy.(*)..").should().beFreeOfCycles().check(MAIN);
    }
}
