"""Operations commands for the deployment (not part of the API): provision_db_roles."""
