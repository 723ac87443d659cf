"""HTTP entrypoint: the Flask app factory, blueprints, schemas and error mapping."""
