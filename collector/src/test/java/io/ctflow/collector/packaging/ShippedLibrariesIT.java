package io.ctflow.collector.packaging;

import io.ctflow.testing.ShippedLibraries;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The collector jar ships no broker, no registry server and no test library (an IT: it reads what the package phase wrote). */
class ShippedLibrariesIT {
    @Test
    void shipsNoBrokerNoRegistryServerAndNoTestLibrary() throws Exception {
        ShippedLibraries.assertShipsNoBrokerRegistryServerOrTestLibrary(Path.of("target/lib"));
    }
}
