import io.trino.sql.parser.ParsingException;
import io.trino.sql.parser.SqlParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Parses SQL statements with Trino's own parser (the dialect of Athena engine v3).
 * Usage: java -cp <trino-parser classpath> TrinoParse.java <file>...
 * Each file holds one statement; its first line may be a "-- " comment naming it. Prints one line
 * per statement and exits 1 if any does not parse.
 */
public class TrinoParse {
    public static void main(String[] args) throws Exception {
        SqlParser parser = new SqlParser();
        int failed = 0;
        for (String file : args) {
            String sql = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            try {
                parser.createStatement(sql);
                System.out.println("parsed: " + file);
            } catch (ParsingException e) {
                failed++;
                System.out.println("REJECTED by the Trino parser: " + file + ": " + e.getMessage());
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
