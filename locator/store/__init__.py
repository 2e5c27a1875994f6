"""The database: tables, migrations, every SQL query (a module per family) and connecting."""
