package dev.permafrost.query.service;

import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.TableSchema;
import dev.permafrost.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.sql.DataSource;

/**
 * The columns of each dataset's table, read once: every question needs them to check its names and
 * to build its SQL. A column the table no longer has fails the query that names it, loudly.
 */
@ApplicationScoped
public class TableSchemas {

  private final DataSource dataSource;
  private final ConcurrentMap<String, TableSchema> schemas = new ConcurrentHashMap<>();

  public TableSchemas(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public TableSchema of(DatasetDefinition dataset) {
    return schemas.computeIfAbsent(
        dataset.name(),
        name -> Transactions.inSnapshot(dataSource, c -> PgTables.readSchema(c, dataset.table())));
  }
}
