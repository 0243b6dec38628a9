package org.fastcopy.load;

import org.fastcopy.analyze.AfterLoad;
import org.fastcopy.data.CopyProgress;
import org.fastcopy.data.CopySettings;
import org.fastcopy.data.EncodingErrors;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.snapshot.SourceSnapshot;

/**
 * What every worker of one data phase shares, fixed before the first unit starts.
 *
 * @param encodingErrors the policy for text that is not valid UTF-8 (a SQL_ASCII source), or null
 * @param afterLoad      the statistics a table gets once loaded, or null to leave all to the final ANALYZE
 */
record LoadSetup(Connections connections, Endpoint source, Endpoint target, SourceSnapshot snapshot,
                 CopySettings settings, CopyProgress progress,
                 EncodingErrors encodingErrors, AfterLoad afterLoad) {
}
