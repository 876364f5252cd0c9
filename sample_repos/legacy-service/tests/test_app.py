def test_create(client):
    assert client
