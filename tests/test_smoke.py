def test_healthz_answers_without_login(client):
    assert client.get("/healthz").status_code == 200


def test_staff_can_sign_in_and_see_the_register(client, auth, world):
    response = auth.login("t_staff")
    assert response.status_code == 302
    page = client.get("/registrants/")
    assert page.status_code == 200
    assert world["consenting"].name in page.get_data(as_text=True)
